import { ApiError } from '../common/errors';
import type { VendorKeyStatus } from '../common/types';
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
const settingKey = (v: Vendor): string => `vendor-key:${v}`;

/**
 * Vendor API keys: entered in the app and stored in the catalog only as ciphertext from the host's
 * cipher; an environment variable, where set, wins. Keys are never returned to clients, only whether
 * one is present and where it comes from.
 */
export class VendorKeys {
  constructor(
    private readonly catalog: Catalog,
    private readonly cipher: SecretCipher | undefined,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  /** Where each vendor's key comes from, or that it is missing. */
  status(): VendorKeyStatus[] {
    return VENDORS.map((vendor) => ({
      vendor,
      env: ENV[vendor],
      source: this.env[ENV[vendor]] ? 'environment' : this.catalog.getSetting(settingKey(vendor)) !== undefined ? 'stored' : 'missing',
      canStore: this.cipher?.available() === true,
    }));
  }

  /** Stores a key encrypted (or removes it with null). */
  set(vendor: Vendor, key: string | null): void {
    if (key === null) {
      this.catalog.db.prepare('DELETE FROM settings WHERE key = ?').run(settingKey(vendor));
      return;
    }
    if (!this.cipher?.available()) {
      throw new ApiError('invalid_argument', `this host cannot store keys encrypted; set ${ENV[vendor]} in the environment of quantdesk serve instead`, 'key');
    }
    this.catalog.setSetting(settingKey(vendor), this.cipher.encrypt(key.trim()).toString('base64'));
  }

  /** The key to use for a vendor: the environment's, else the stored one decrypted. */
  private key(vendor: Vendor): string | undefined {
    const fromEnv = this.env[ENV[vendor]];
    if (fromEnv) return fromEnv;
    const stored = this.catalog.getSetting(settingKey(vendor));
    if (stored === undefined || !this.cipher?.available()) return undefined;
    try {
      return this.cipher.decrypt(Buffer.from(stored, 'base64'));
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
