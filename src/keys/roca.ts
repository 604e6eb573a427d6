// The ROCA fingerprint (CVE-2017-15361, Nemec et al., CCS 2017): RSA moduli from Infineon RSALib, factorable in practice.
// RSALib's primes are k·M + (65537^a mod M), M a primorial, so N mod each small prime p dividing M lies in the
// multiplicative subgroup that 65537 generates mod p. The test and its primes follow crocs-muni/roca (detect.py).

/** The small primes the published detector tests (3 … 167); every ROCA M is divisible by all of them. */
const PRIMES: readonly number[] = [
  3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107,
  109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];
const GENERATOR = 65537;

/** Per prime: the BigInt divisor and the subgroup ⟨65537 mod p⟩ as a membership table, built once at load. */
const SUBGROUPS: readonly { readonly p: bigint; readonly members: readonly boolean[] }[] = PRIMES.map((p) => {
  const members: boolean[] = new Array<boolean>(p).fill(false);
  let x = 1;
  do {
    members[x] = true;
    x = (x * (GENERATOR % p)) % p;
  } while (x !== 1);
  return { p: BigInt(p), members };
});

/**
 * True when modulus `n` has the ROCA fingerprint. A random modulus passes all 38 residue tests with probability
 * about 2^-30 (the product of each subgroup's share of the residues): a false refusal is a one-in-a-billion event.
 */
export function hasRocaFingerprint(n: bigint): boolean {
  for (const { p, members } of SUBGROUPS) {
    if (!members[Number(n % p)]) return false;
  }
  return true;
}

/** The subgroups as bitmasks (bit r set when r is a member): the `prints` table roca-detect publishes. */
export function rocaMarkers(): readonly bigint[] {
  return SUBGROUPS.map(({ members }) =>
    members.reduce((mask, on, r) => (on ? mask | (1n << BigInt(r)) : mask), 0n),
  );
}

/** The modulus of an RSA JWK's `n` (base64url, big-endian), for hasRocaFingerprint. */
export function modulusOf(n: string): bigint {
  const hex = Buffer.from(n, 'base64url').toString('hex');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}
