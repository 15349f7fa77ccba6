import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { inspectPlacement, isMountPoint, sidecarProblem } from '../../src/sqlite/wal-sidecars.js';
import { tempSqlite } from '../support/sqlite.js';

const placement = { walMode: true, fileDevice: 64768, directoryDevice: 64768, mountPoint: false };

describe('sidecarProblem', () => {
  it('accepts a WAL file in its own directory, and any file not in WAL mode', () => {
    expect(sidecarProblem('/data/app.db', placement)).toBeNull();
    expect(sidecarProblem('/data/app.db', { ...placement, walMode: false, mountPoint: true })).toBeNull();
    expect(sidecarProblem('/data/app.db', { ...placement, walMode: false, fileDevice: 1 })).toBeNull();
  });

  it('refuses a WAL file that is a mount of its own (another device than its directory), naming the fix', () => {
    const problem = sidecarProblem('/data/app.db', { ...placement, directoryDevice: 187 });
    expect(problem?.code).toBe('BAD_STATE');
    expect(problem?.message).toMatch(/\/data\/app\.db is mounted on its own.*-wal and -shm/);
    expect(problem?.hint).toMatch(/mount the database's directory instead of the file/);
  });

  it('refuses a WAL file bind-mounted from the same file system (same device, but a mount point)', () => {
    expect(sidecarProblem('/data/app.db', { ...placement, mountPoint: true })?.code).toBe('BAD_STATE');
  });
});

describe('isMountPoint', () => {
  const mountinfo = [
    '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '66 46 254:0 /srv/collector/app.db /data/app.db rw,relatime - ext4 /dev/vda rw',
    '67 46 254:0 /srv/my\\040dir /data/my\\040dir rw,relatime - ext4 /dev/vda rw',
  ].join('\n');

  it('finds a mount point by its exact path, octal escapes decoded', () => {
    expect(isMountPoint(mountinfo, '/data/app.db')).toBe(true);
    expect(isMountPoint(mountinfo, '/data/my dir')).toBe(true);
    expect(isMountPoint(mountinfo, '/data')).toBe(false);
    expect(isMountPoint(mountinfo, '/srv/collector/app.db')).toBe(false);
    expect(isMountPoint('', '/data/app.db')).toBe(false);
  });
});

describe('inspectPlacement', () => {
  it('reads the journal mode from the header and finds an ordinary file in its directory', () => {
    const wal = tempSqlite('wal.db');
    const a = new Database(wal);
    a.pragma('journal_mode = WAL');
    a.exec('CREATE TABLE t (x)');
    a.close();
    const rollback = tempSqlite('rollback.db');
    const b = new Database(rollback);
    b.exec('CREATE TABLE t (x)');
    b.close();
    const found = inspectPlacement(wal);
    expect(found).toMatchObject({ walMode: true, mountPoint: false });
    expect(found?.fileDevice).toBe(found?.directoryDevice);
    expect(sidecarProblem(wal, found!)).toBeNull();
    expect(inspectPlacement(rollback)?.walMode).toBe(false);
    expect(inspectPlacement(`${wal}.missing`)).toBeNull();
  });
});
