import argon2 from 'argon2';

/**
 * argon2id with OWASP's minimum parameters (m = 19 MiB, t = 2, p = 1). Hashes are PHC strings
 * (`$argon2id$v=19$m=19456,t=2,p=1$…`), so parameters can be raised later and old hashes still verify.
 */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2_OPTIONS);
}

export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    // A malformed stored hash must read as "wrong password", never as a server error.
    return false;
  }
}

let dummyHash: Promise<string> | undefined;

/**
 * A real hash of a random secret, verified when the phone number is unknown so that an unknown
 * number costs the same argon2 work as a wrong password and timing reveals nothing.
 */
export function getDummyHash(): Promise<string> {
  dummyHash ??= hashPassword(`dummy-${crypto.randomUUID()}`);
  return dummyHash;
}

/** True when a stored hash was made with weaker parameters than today's and should be redone. */
export function needsRehash(hash: string): boolean {
  return argon2.needsRehash(hash, ARGON2_OPTIONS);
}
