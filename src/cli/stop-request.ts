/** The signals that ask a long command to stop: Ctrl-C, a service manager, a closed terminal. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** A stop asked for by a signal, for a command that stops in steps. */
export interface StopRequest {
  /** True once a signal came. */
  readonly asked: boolean;
  /** Resolves when the first signal comes. */
  readonly promise: Promise<void>;
  /** Stops listening (the signals' default actions are back). */
  dispose(): void;
}

/**
 * Listens for SIGINT, SIGTERM and SIGHUP. The first one asks for a clean stop (`onFirst` says
 * what happens now); a second one means "now": `onSecond` runs, then the process exits 130
 * (children that must not outlive it are ended by their owners' exit hooks).
 */
export function listenForStop(onFirst: () => void, onSecond: () => void): StopRequest {
  let asked = false;
  let resolveAsked: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => {
    resolveAsked = resolve;
  });
  const handler = (): void => {
    if (asked) {
      onSecond();
      process.exit(130);
    }
    asked = true;
    onFirst();
    resolveAsked();
  };
  for (const signal of STOP_SIGNALS) process.on(signal, handler);
  return {
    get asked() {
      return asked;
    },
    promise,
    dispose: () => {
      for (const signal of STOP_SIGNALS) process.removeListener(signal, handler);
    },
  };
}
