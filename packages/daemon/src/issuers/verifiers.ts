// Password verifiers computed in the daemon, so that a temporary user's password never reaches its
// server: the server gets only what it would store anyway, and a statement log (PostgreSQL's
// log_statement, MariaDB's general log, a Redis slowlog or proxy) holds no password.
//   PostgreSQL: SCRAM-SHA-256 (RFC 5802, RFC 7677), in the form pg_authid.rolpassword keeps it.
//   MariaDB: mysql_native_password's hash, `*` and the upper-case hex of SHA1(SHA1(password)).
//   Redis: the SHA-256 hex an ACL `#<hash>` rule takes.
// The passwords given here are the daemon's own (base64url, printable ASCII), for which SASLprep, the
// normalization SCRAM asks for, changes nothing; any other password is refused.
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';

const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

function assertPlain(password: string): void {
  if (!PRINTABLE_ASCII.test(password)) throw new Error('a verifier is computed for printable ASCII passwords only');
}

/**
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64), PostgreSQL's stored form.
 * SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations); StoredKey = SHA-256(HMAC(SaltedPassword,
 * "Client Key")); ServerKey = HMAC(SaltedPassword, "Server Key"). Salt: 16 random bytes unless given.
 */
export async function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): Promise<string> {
  assertPlain(password);
  const salted = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(password, salt, iterations, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))),
  );
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/** mysql_native_password's stored hash: `*` and 40 upper-case hex digits of SHA1(SHA1(password)). */
export function mysqlNativeHash(password: string): string {
  assertPlain(password);
  const once = createHash('sha1').update(password, 'utf8').digest();
  return `*${createHash('sha1').update(once).digest('hex').toUpperCase()}`;
}

/** The hex SHA-256 of a password, as a Redis ACL rule `#<hash>` takes it. */
export function redisAclHash(password: string): string {
  assertPlain(password);
  return createHash('sha256').update(password, 'utf8').digest('hex');
}
