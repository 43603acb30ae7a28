import ssh2 from 'ssh2';

/**
 * Keys for the lab: one client key that every device trusts, and one host key per device so that
 * known_hosts checking is real (a device answering on another device's port would be caught).
 * ed25519 keeps generation for a thousand devices well under a second.
 */

export interface KeyPair {
  /** OpenSSH private key format, as ssh and ssh2 both read it. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicKey: string;
}

/** An ed25519 public key blob: string "ssh-ed25519" (4 + 11) and string key (4 + 32). */
const ED25519_BLOB_LENGTH = 51;

export function generateKey(comment: string): KeyPair {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment });
    // ssh2's encoder drops a leading zero byte of the key (about 1 key in 128), leaving a key that neither
    // ssh2 nor OpenSSH will read back; such keys are simply drawn again.
    const blob = Buffer.from(pair.public.split(' ')[1] ?? '', 'base64');
    if (blob.length === ED25519_BLOB_LENGTH && !(ssh2.utils.parseKey(pair.private) instanceof Error)) {
      return { privateKey: pair.private, publicKey: pair.public };
    }
  }
}

/** The `[host]:port type key` form OpenSSH writes for non-default ports. */
export function knownHostsLine(host: string, port: number, publicKey: string): string {
  const [type, blob] = publicKey.trim().split(/\s+/);
  return `[${host}]:${port} ${type} ${blob}`;
}

/** The public half as ssh2 parses it, for comparing against what a client offers. */
export function parsedPublicKey(publicKey: string): { type: string; blob: Buffer } {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key) throw new Error('no key found');
  return { type: key.type, blob: key.getPublicSSH() };
}
