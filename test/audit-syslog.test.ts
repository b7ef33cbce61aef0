// The audit trail's copy in the system log (config.json auditSyslog), against a real rsyslogd started by
// the test on a socket of its own (standing in for /dev/log): every record arrives whole, in order, with
// no value in it; it stays there when the trail file is edited; the copy is off unless switched on; a
// system log that is down costs the copy, not the reads.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWorld, readDaemonLog, spawnDaemon, withWorld, type World } from '@latchkey/test-utils';
import { startSyslog, type Syslog } from '@latchkey/test-utils/syslog';

const VALUE = `SYSLOG-CANARY-${randomBytes(12).toString('hex')}`;

/** The lines of the trail file as written (each is what the copy must hold). */
function trailLines(w: World): string[] {
  return readFileSync(join(w.stateDir, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean);
}

/** The messages latchkey sent, without rsyslog's `authpriv.info latchkey[pid]: ` in front. */
function copied(log: Syslog): string[] {
  return log.lines().flatMap((l) => {
    const m = /^(\S+) latchkey\[\d+\]: ?(.*)$/.exec(l);
    return m ? [`${m[1]} ${m[2]}`] : [];
  });
}

describe('the audit trail copied to the system log', () => {
  let log: Syslog;
  beforeAll(async () => {
    log = await startSyslog();
  });
  afterAll(async () => {
    await log?.stop();
  });

  it('every record arrives whole and in order at the system log, as authpriv.info, with no value; it stays there when the trail file is cut', async () => {
    await withWorld({ config: { auditSyslog: log.socket } }, async (w) => {
      expect((await w.agent(['set', 'sys-a', '--ttl', '1h'], { input: VALUE })).code).toBe(0);
      const got = await w.agent(['get', 'sys-a']);
      expect(got.code, got.stderr).toBe(0);
      expect(got.stdout === VALUE).toBe(true);
      const lines = trailLines(w);
      expect(lines.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['set', 'get']);
      // The last record's arrival is the event: the copy is sent in order, right after each write.
      await log.waitFor(lines.at(-1) as string);
      const messages = copied(log);
      const records = messages.filter((m) => m.startsWith('authpriv.info {')).map((m) => m.slice('authpriv.info '.length));
      expect(records).toEqual(lines);
      expect(messages[0]).toMatch(/^authpriv\.info daemon started \(pid \d+\): a copy of every record of the audit trail .*audit\.jsonl follows$/);
      expect(log.lines().join('\n')).not.toContain(VALUE);

      // A same-user edit of the file (the read record cut out) leaves the copy as it was.
      const readRecord = lines.find((l) => l.includes('"event":"get"') && l.includes('"outcome":"ok"')) as string;
      writeFileSync(join(w.stateDir, 'audit.jsonl'), `${lines.filter((l) => l !== readRecord).join('\n')}\n`);
      expect(copied(log).filter((m) => m.includes(readRecord))).toHaveLength(1);
    });
    await log.waitFor('no more records from this process');
  });

  it('is off by default: a daemon without auditSyslog sends nothing', async () => {
    let before = 0;
    await withWorld({}, async (w) => {
      before = copied(log).length;
      expect((await w.agent(['set', 'sys-off', '--ttl', '1h'], { input: VALUE })).code).toBe(0);
      expect((await w.agent(['get', 'sys-off'])).code).toBe(0);
    });
    // Counted after a marker sent behind the daemon's last record has arrived: nothing of it came before.
    const marker = `off-marker-${randomBytes(6).toString('hex')}`;
    await log.logger('lk-test', marker);
    await log.waitFor(marker);
    expect(copied(log).length).toBe(before);
  });

  it('a system log that is down costs the copy, not the reads: they are served, daemon.log says how many records it did not take, and the copy resumes when it is back', async () => {
    await withWorld({ config: { auditSyslog: log.socket } }, async (w) => {
      expect((await w.agent(['set', 'sys-down', '--ttl', '1h'], { input: VALUE })).code).toBe(0);
      await log.kill();
      const got = await w.agent(['get', 'sys-down']);
      expect(got.code, got.stderr).toBe(0);
      expect(readDaemonLog(w.stateDir)).toMatch(/the system log \(.*\) did not take \d+ audit record\(s\) \(ECONNREFUSED\); they are in the trail file only/);
      await log.start();
      expect((await w.agent(['get', 'sys-down'])).code).toBe(0);
      await log.waitFor(trailLines(w).at(-1) as string);
    });
  });

  it('config.json refuses an auditSyslog that is not true, false or an absolute socket path', async () => {
    const w = makeWorld();
    w.writeConfig({ auditSyslog: 'dev/log' });
    try {
      const d = spawnDaemon(w.env);
      expect((await d.exited).code).toBe(65);
      expect(d.output()).toMatch(/^agent: error: config\.json: auditSyslog must be true, false, or the absolute path of the system log socket/m);
    } finally {
      await w.cleanup();
    }
  });
});
