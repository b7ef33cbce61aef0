import { describe, expect, it } from 'vitest';
import { parseReference } from './manifest.js';
import { redisCommandRules, validateDatabaseParams, type DatabaseKind } from './database-kinds.js';

describe('database kinds: parameters', () => {
  it.each<[DatabaseKind, Record<string, string>]>([
    ['postgres', { admin: 'pg-admin' }],
    ['postgres', { admin: 'pg-admin', grant: 'app_rw, app_ro', database: 'app', schema: 'public', format: 'password' }],
    ['mysql', { admin: 'my-admin', grant: 'app_rw', privileges: 'SELECT,INSERT,CREATE TEMPORARY TABLES', database: 'app' }],
    ['redis', { admin: 'r-admin', keys: 'test:* cache:*', channels: 'events:*', commands: '+@read +@write -@dangerous' }],
  ])('%s accepts %j', (kind, params) => {
    expect(() => validateDatabaseParams(kind, params)).not.toThrow();
  });

  // A manifest is input from a repository: nothing in it may reach the server as SQL or as an ACL rule of its own.
  it.each<[DatabaseKind, Record<string, string>, RegExp]>([
    ['postgres', {}, /needs an admin secret/],
    ['postgres', { admin: 'Bad Name' }, /admin:/],
    ['postgres', { admin: 'a', signer: 'x' }, /unknown parameter "signer"/],
    ['postgres', { admin: 'a', grant: 'app_rw"; DROP ROLE lk_admin; --' }, /is not a role name/],
    ['postgres', { admin: 'a', schema: 'public; DROP SCHEMA x' }, /schema: .* is not a plain name/],
    ['postgres', { admin: 'a', database: "app' OR '1" }, /database: .* is not a plain name/],
    ['postgres', { admin: 'a', format: 'json' }, /format must be url or password/],
    ['mysql', { admin: 'a', privileges: 'SELECT; DROP USER x' }, /is not a privilege/],
    ['mysql', { admin: 'a', keys: 'x' }, /unknown parameter "keys"/],
    ['redis', { admin: 'a', keys: '~* allkeys' }, /leave out the ~ or & prefix/],
    ['redis', { admin: 'a', channels: '&*' }, /leave out the ~ or & prefix/],
    ['redis', { admin: 'a', commands: '+@read >newpassword' }, /is not \+command/],
    ['redis', { admin: 'a', grant: 'x' }, /unknown parameter "grant"/],
  ])('%s refuses %j', (kind, params, why) => {
    expect(() => validateDatabaseParams(kind, params)).toThrow(why);
  });

  it('reads a redis rule without a sign as an addition, since a + in a URL query is a space', () => {
    expect(redisCommandRules(undefined)).toEqual(['+@read', '+@write', '-@dangerous']);
    expect(redisCommandRules(' @read @write -@dangerous')).toEqual(['+@read', '+@write', '-@dangerous']);
    const ref = parseReference('agent://temp/redis?admin=r&commands=+@read+@write-@dangerous');
    expect(ref.kind === 'temp' && redisCommandRules(ref.params.commands)).toEqual(['+@read', '+@write', '-@dangerous']);
    // a flag in the parameter is only ever a command rule (which the server then refuses as unknown)
    expect(redisCommandRules('on nopass')).toEqual(['+on', '+nopass']);
  });

  it('parses manifest references of the three kinds, ttl apart', () => {
    expect(parseReference('agent://temp/postgres?admin=pg-admin&grant=app_rw&ttl=15m')).toEqual({
      kind: 'temp',
      tempKind: 'postgres',
      ttlSeconds: 900,
      params: { admin: 'pg-admin', grant: 'app_rw' },
    });
    expect(() => parseReference('agent://temp/mongo?admin=x')).toThrow(/unknown temporary key kind "mongo"/);
  });
});
