/** Facts about the running host, for the status bar and About. */
export interface AppInfo {
  /** App version. */
  version: string;
  /** Home folder in use. */
  home: string;
  /** Which host serves the API. */
  host: 'electron' | 'headless' | 'cli';
  /** Versions of the main runtime components. */
  versions: Record<string, string>;
  /** Whether the demo lake has been seeded. */
  demoSeeded: boolean;
}

/** Where a vendor's API key comes from; the key itself never leaves the services. */
export interface VendorKeyStatus {
  vendor: 'databento' | 'polygon';
  /** The environment variable that overrides a stored key. */
  env: string;
  source: 'environment' | 'stored' | 'missing';
  /** Whether this host can store a key encrypted (Electron's safeStorage). */
  canStore: boolean;
  /** For a stored key: whether it is encrypted (false only where the user agreed to store it as it is). */
  encrypted: boolean | null;
}
