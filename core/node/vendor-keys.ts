import { ApiError } from '../common/errors';
import type { VendorKeyStatus } from '../common/app-info';
import type { Catalog } from './catalog';
import type { VendorConfig } from './jobs/backfill';

/**
 * Encryption the host offers for secrets: Electron's safeStorage (the OS keychain) in the desktop
 * app. The headless host has none, and takes keys from its environment instead.
 */
export interface SecretCipher {
  /** Whether encryption can be used now (safeStorage needs the OS keychain). */
  available(): boolean;
  /** Encrypts a secret. */
  encrypt(plain: string): Buffer;
  /** Decrypts what `encrypt` returned. */
  decrypt(data: Buffer): string;
}

export const VENDORS = ['databento', 'polygon'] as const;
export type Vendor = (typeof VENDORS)[number];

const ENV: Record<Vendor, string> = { databento: 'DATABENTO_API_KEY', polygon: 'POLYGON_API_KEY' };

/** The environment variables that hold vendor keys: child processes that need no key never see them. */
export const VENDOR_KEY_ENV: readonly string[] = Object.values(ENV);

/** The environment without vendor keys, for child processes (git and its hooks) that have no use for them. */
export function envWithoutKeys(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of VENDOR_KEY_ENV) delete out[name];
  return out;
}
const settingKey = (v: Vendor): string => `vendor-key:${v}`;

/** How a stored key is kept: ciphertext from the host's cipher, or (only when the user agreed) as it is. */
const ENCRYPTED = 'enc:';
const UNENCRYPTED = 'plain:';

/**
 * Vendor API keys: entered in the app and stored in the catalog as ciphertext from the host's cipher;
 * where the host has none, only after the user agrees to keep it unencrypted. An environment variable,
 * where set, wins. Keys are never returned to clients, only whether one is present, where it comes
 * from and whether it is encrypted.
 */
export class VendorKeys {
  constructor(
    private readonly catalog: Catalog,
    private readonly cipher: SecretCipher | undefined,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  /** Where each vendor's key comes from, or that it is missing. */
  status(): VendorKeyStatus[] {
    return VENDORS.map((vendor) => {
      const stored = this.catalog.getSetting(settingKey(vendor));
      return {
        vendor,
        env: ENV[vendor],
        source: this.env[ENV[vendor]] ? 'environment' : stored !== undefined ? 'stored' : 'missing',
        canStore: this.cipher?.available() === true,
        encrypted: stored === undefined ? null : !stored.startsWith(UNENCRYPTED),
      };
    });
  }

  /**
   * Stores a key encrypted (or removes it with null). Without a cipher the key is refused unless
   * `unencrypted` says the user agreed to keep it readable in the catalog.
   */
  set(vendor: Vendor, key: string | null, unencrypted = false): void {
    if (key === null) {
      this.catalog.db.prepare('DELETE FROM settings WHERE key = ?').run(settingKey(vendor));
      return;
    }
    if (this.cipher?.available()) {
      this.catalog.setSetting(settingKey(vendor), ENCRYPTED + this.cipher.encrypt(key.trim()).toString('base64'));
      return;
    }
    if (!unencrypted) {
      throw new ApiError(
        'invalid_argument',
        `this host cannot store keys encrypted (no OS keychain); set ${ENV[vendor]} in its environment, or confirm storing the key unencrypted in the home's catalog, where anyone who can read the home can read it`,
        'key',
      );
    }
    this.catalog.setSetting(settingKey(vendor), UNENCRYPTED + key.trim());
  }

  /** Every vendor key this process knows (environment or stored): what error messages must never show. */
  secrets(): string[] {
    return VENDORS.flatMap((v) => {
      const k = this.key(v);
      return k ? [k] : [];
    });
  }

  /** The key to use for a vendor: the environment's, else the stored one decrypted. */
  private key(vendor: Vendor): string | undefined {
    const fromEnv = this.env[ENV[vendor]];
    if (fromEnv) return fromEnv;
    const stored = this.catalog.getSetting(settingKey(vendor));
    if (stored === undefined) return undefined;
    if (stored.startsWith(UNENCRYPTED)) return stored.slice(UNENCRYPTED.length);
    if (!this.cipher?.available()) return undefined;
    try {
      return this.cipher.decrypt(Buffer.from(stored.startsWith(ENCRYPTED) ? stored.slice(ENCRYPTED.length) : stored, 'base64'));
    } catch {
      throw new ApiError('invalid_argument', `the stored ${vendor} key cannot be decrypted on this machine (the keychain changed); enter it again in the backfill dialog`, 'key');
    }
  }

  /** Vendor settings for a backfill: URLs from the environment, keys from here. */
  config(): VendorConfig {
    return {
      databentoUrl: this.env.QUANTDESK_DATABENTO_URL ?? 'https://hist.databento.com',
      databentoKey: this.key('databento'),
      polygonUrl: this.env.QUANTDESK_POLYGON_URL ?? 'https://api.polygon.io',
      polygonKey: this.key('polygon'),
    };
  }
}
