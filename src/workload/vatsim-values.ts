/** The VATSIM-like values: callsigns, aircraft types, pilot names, routes, positions, datetimes. */
import type { Prng } from './prng.js';
import { AIRPORTS, type Airport } from './vatsim-airports.js';

const AIRLINES = [
  'DLH',
  'BAW',
  'AFR',
  'KLM',
  'RYR',
  'EZY',
  'UAE',
  'QTR',
  'THY',
  'AUA',
  'SWR',
  'QFA',
  'VOZ',
  'JST',
  'AAL',
  'DAL',
  'UAL',
  'ACA',
  'SIA',
  'CPA',
  'JAL',
  'ANA',
  'AFL',
  'SAS',
  'IBE',
  'VLG',
  'WZZ',
  'EWG',
  'FDX',
  'UPS',
  'TAM',
  'GLO',
  'CES',
  'CSN',
  'ETD',
  'SVA',
  'MAU',
  'PTI',
  'NSZ',
  'VIR',
] as const;
const AIRCRAFT = [
  'A320',
  'B738',
  'A20N',
  'B77W',
  'A359',
  'B789',
  'A321',
  'A21N',
  'C172',
  'B744',
  'E190',
  'DH8D',
  'AT76',
  'PA28',
  'B38M',
] as const;
const FIRST_NAMES = [
  'Elias',
  'Sterling',
  'Pavel',
  'Marcus',
  'Alessandro',
  'Miguel',
  'David',
  'Marek',
  'Abdullah',
  'Leo',
  'Ilya',
  'Chris',
  'Wade',
  'Rutger',
  'Bryn',
  'Raihan',
  'Dave',
  'Rayyan',
  'Agastya',
  'Jesse-Joel',
  'Sofia',
  'Mei',
  'Jonas',
  'Amelie',
  'Lucas',
  'Hannah',
  'Ravi',
  'Yuki',
  'Olga',
  'Tom',
  'Zoë',
  'José',
  'Björn',
] as const;
const LAST_NAMES = [
  'Kemppainen',
  'P',
  'Senadskiy',
  'Monteiro',
  'Bergamin',
  'G',
  'Obaze',
  'Kroener',
  'Aljanoubi',
  'Adkins',
  'B',
  'Loer',
  'Coonjah',
  'Fernandez',
  'Müller',
  'Nguyen',
  'Smith',
  'Kowalski',
  'Tanaka',
  'Rossi',
  'Silva',
  'Öztürk',
] as const;
const FIXES = [
  'SOBRA',
  'DIK',
  'GIMER',
  'PON',
  'GODIX',
  'DIDAK',
  'ERIGA',
  'AZFIC',
  'LOTEE',
  'PETEK',
  'DETOX',
  'SORAD',
  'BAMUX',
  'TARIM',
  'PINRU',
  'JOBER',
  'TERIN',
  'ANPAG',
  'KEVOS',
  'MOLSU',
  'UBRAB',
  'VINEX',
  'ENH',
  'TOGMO',
  'ABAGI',
  'NIMTA',
  'NATIT',
  'MOLED',
  'LIDUS',
  'ITAKA',
  'OBBUD',
  'AMKOL',
  'GOTIK',
  'MEMZA',
  'VENFO',
  'BAKRI',
  'LIMAS',
  'PESIT',
  'BAKUR',
  'GUBJE',
  'DAVAZ',
  'INFEC',
  'JETZI',
  'AMFUL',
  'OCTIZ',
  'SIRIC',
  'DOLAS',
  'BUKUT',
  'LAMSO',
  'ANDIK',
  'OPWOT',
  'ESTAD',
  'INDIG',
  'ALUKA',
  'VIBIS',
  'BUMIL',
  'RARUP',
  'LESTA',
  'RODOL',
  'AGLIL',
  'LUSOD',
  'GAVAK',
] as const;
const AIRWAYS = [
  'UN857',
  'UT300',
  'UN872',
  'UN741',
  'UZ19',
  'UZ29',
  'B213',
  'V38',
  'M56',
  'B105',
  'G242',
  'L603',
  'M105',
  'T174',
  'L619',
  'UP6',
  'UL28',
  'UZ30',
] as const;
/** ATC position suffixes and their VATSIM facility numbers. */
const ATC_SUFFIXES = [
  ['OBS', '0'],
  ['DEL', '2'],
  ['GND', '3'],
  ['TWR', '4'],
  ['APP', '5'],
  ['DEP', '5'],
  ['CTR', '6'],
  ['FSS', '1'],
] as const;

const DIGITS = '0123456789';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** An airline or general-aviation callsign: `DLH500`, `QTR65BW`, `DBMPY`. */
export function flightCallsign(rng: Prng): string {
  if (rng.chance(0.08))
    return rng.pick(['D', 'G', 'VH', 'N', 'F']) + rng.chars(LETTERS, 4 - (rng.chance(0.5) ? 1 : 0));
  const number = String(rng.int(1, 9999));
  return rng.pick(AIRLINES) + number + (rng.chance(0.25) ? rng.chars(LETTERS, rng.int(1, 2)) : '');
}

/** An ATC callsign with its facility number: `EGKK_APP` / '5', `LOWW_N_CTR` / '6', `1051023_OBS` / '0'. */
export function atcCallsign(rng: Prng): readonly [callsign: string, facility: string] {
  const [suffix, facility] = rng.pick(ATC_SUFFIXES);
  if (suffix === 'OBS') return [`${rng.chars(DIGITS, 7)}_OBS`, facility];
  const base = rng.chance(0.6) ? rng.pick(AIRPORTS).icao : rng.chars(LETTERS, 4);
  const middle = rng.chance(0.3) ? `_${rng.pick(['N', 'S', 'E', 'W', '1', '2', 'VFR'])}` : '';
  return [`${base}${middle}_${suffix}`, facility];
}

/** One of the known aircraft types. */
export function aircraftType(rng: Prng): string {
  return rng.pick(AIRCRAFT);
}

/** A pilot's name as VATSIM shows it, often followed by a home airport: `Leo Kroener EDDG`. */
export function pilotName(rng: Prng): string {
  if (rng.chance(0.03)) return rng.chars(DIGITS, 7); // some pilots show their CID only
  const home = rng.chance(0.6) ? ` ${rng.pick(AIRPORTS).icao}` : '';
  return rng.chance(0.15)
    ? rng.pick(FIRST_NAMES) + home
    : `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}${home}`;
}

/** A filed route: waypoints, airways, DCT and speed/level changes, ~80 characters on average, up to ~600. */
export function route(rng: Prng): string {
  const parts: string[] = [];
  const legs = rng.chance(0.04) ? rng.int(30, 60) : rng.int(3, 10);
  for (let i = 0; i < legs; i++) {
    const fix = rng.pick(FIXES);
    parts.push(rng.chance(0.08) ? `${fix}/N0${rng.int(380, 499)}F${rng.int(20, 41)}0` : fix);
    if (i < legs - 1) parts.push(rng.chance(0.45) ? 'DCT' : rng.pick(AIRWAYS));
  }
  return parts.join(' ');
}

/** A frequency as the network prints it: `118.800`, `199.998` for observers. */
export function frequency(rng: Prng): string {
  return rng.chance(0.15) ? '199.998' : (118 + rng.int(0, 18_000) * 0.001).toFixed(3);
}

/** A coordinate rounded to 5 decimals, printed as Python's json module would. */
export function coordinate(value: number): number {
  return Math.round(value * 100_000) / 100_000;
}

/** The `flights.position` JSON text: `{"latitude": 16.41663, "longitude": -29.09725, "altitude": 35001}`. */
export function positionJson(lat: number, lon: number, altitude: number): string {
  return `{"latitude": ${lat}, "longitude": ${lon}, "altitude": ${altitude}}`;
}

/** A sector's boundary polygon as JSON text. */
export function boundaries(rng: Prng, around: Airport): string {
  const points: string[] = [];
  for (let i = 0; i < rng.int(4, 8); i++) {
    points.push(
      `[${coordinate(around.lat + rng.range(-3, 3))}, ${coordinate(around.lon + rng.range(-3, 3))}]`,
    );
  }
  return `[${points.join(', ')}]`;
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** A DATETIME as the collector writes it: `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), from microseconds since epoch. */
export function datetime(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const d = new Date(ms);
  const frac = String(micros - Math.floor(micros / 1_000_000) * 1_000_000).padStart(6, '0');
  return (
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}.${frac}`
  );
}
