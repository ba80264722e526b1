/** Where a secret was found in a bundle: the file, the line, and what it looks like. */
export interface SecretFinding {
  file: string;
  line: number;
  what: string;
}

/** Shapes of well-known credentials. */
const PATTERNS: { what: string; re: RegExp }[] = [
  { what: 'a private key', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { what: 'an AWS access key id', re: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { what: 'a GitHub token', re: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b/ },
  { what: 'a Slack token', re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
  { what: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/ },
  { what: 'a Databento API key', re: /\bdb-[A-Za-z0-9]{20,}\b/ },
  { what: 'a key or password assigned in the file', re: /\b(?:api[_-]?key|apikey|secret|token|passw(?:or)?d)\b["']?\s*[:=]\s*["']?[A-Za-z0-9_\-/+=.]{16,}/i },
];

/** Whether a file is text (no NUL byte in its first 8 KiB). */
export const isText = (b: Buffer): boolean => !b.subarray(0, 8192).includes(0);

/**
 * Scans a bundle's files for credentials: the known shapes in text files, and the stored API keys
 * themselves anywhere (binary files included), so none can slip into a commit.
 */
export function scanSecrets(files: ReadonlyMap<string, Buffer>, storedKeys: readonly string[]): SecretFinding[] {
  const keys = storedKeys.filter((k) => k.length >= 8);
  const found: SecretFinding[] = [];
  for (const [file, bytes] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!isText(bytes)) {
      for (const k of keys) if (bytes.includes(k)) found.push({ file, line: 0, what: 'a stored API key (in a binary file)' });
      continue;
    }
    bytes
      .toString('utf8')
      .split('\n')
      .forEach((text, i) => {
        const what = keys.some((k) => text.includes(k)) ? 'a stored API key' : PATTERNS.find((p) => p.re.test(text))?.what;
        if (what) found.push({ file, line: i + 1, what });
      });
  }
  return found;
}
