// The CLI's signing key: an Ed25519 pair made on first use in the user's config directory, as ssh-keygen
// would, so `eks-dr backup` signs without any setup and the same user's restores trust it. Other people's
// public keys are trusted only when named with --trusted-key.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ed25519Signer, ed25519Verifier } from '../src/archive/ed25519-signing.ts';
import type { BackupTrust, ManifestSigner, SignatureVerifier } from '../src/archive/signing.ts';

const PRIVATE_KEY_FILE = 'signing-key.pem';
const PUBLIC_KEY_FILE = 'signing-key.pub.pem';

/** `EKS_DR_CONFIG_DIR`, else `$XDG_CONFIG_HOME/eks-dr`, else `~/.config/eks-dr`. */
export function configDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.EKS_DR_CONFIG_DIR) return env.EKS_DR_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'eks-dr');
}

/** The user's private key, made (mode 0600, PKCS#8 PEM, public key beside it in SPKI PEM) when absent. */
export async function userPrivateKey(directory = configDirectory()): Promise<KeyObject> {
  const file = join(directory, PRIVATE_KEY_FILE);
  try {
    return createPrivateKey(await readFile(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`signing key ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  await mkdir(directory, { recursive: true, mode: 0o700 });
  // 'wx': two first runs at once must not overwrite each other's key.
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  await writeFile(join(directory, PUBLIC_KEY_FILE), publicKey.export({ type: 'spki', format: 'pem' }));
  return privateKey;
}

/** Signs with the user's key, made on first use. */
export async function userSigner(directory = configDirectory()): Promise<ManifestSigner> {
  return ed25519Signer(await userPrivateKey(directory));
}

/** Trusts the user's own key plus the public keys (SPKI PEM) in `trustedKeyFiles`. */
export async function userVerifier(
  trustedKeyFiles: readonly string[] = [],
  directory = configDirectory(),
): Promise<SignatureVerifier> {
  const keys = [createPublicKey(await userPrivateKey(directory))];
  for (const file of trustedKeyFiles) {
    try {
      keys.push(createPublicKey(await readFile(file, 'utf8')));
    } catch (error) {
      throw new Error(`--trusted-key ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  return ed25519Verifier(keys);
}

/** The flags of every command that reads a backup. */
export const TRUST_OPTIONS = {
  'trusted-key': { type: 'string', multiple: true },
  'allow-unsigned': { type: 'boolean' },
} as const;

/** Help lines of TRUST_OPTIONS. */
export const TRUST_USAGE = `  --trusted-key FILE   also trust backups signed by this Ed25519 public key (PEM); repeatable
                       (your own key, made on first use in ${'$'}XDG_CONFIG_HOME/eks-dr, is always trusted)
  --allow-unsigned     read a backup that carries no signature (the report says so)`;

/** The trust of a reading command: the user's key, --trusted-key files, --allow-unsigned. */
export async function trustFromFlags(values: {
  'trusted-key'?: string[] | undefined;
  'allow-unsigned'?: boolean | undefined;
}): Promise<BackupTrust> {
  return {
    verifier: await userVerifier(values['trusted-key'] ?? []),
    allowUnsigned: values['allow-unsigned'] === true,
  };
}
