const DIRECTIVES = ["default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'"];

/**
 * The Content-Security-Policy of the renderer: scripts only from the app itself (no inline script, no
 * eval); inline styles are allowed because the chart library sizes its canvases through style
 * attributes. `meta` leaves out frame-ancestors, which browsers ignore in a <meta> tag (the packaged
 * app loads its page from a file, where no response header can carry the policy).
 */
export function contentSecurityPolicy(o: { meta?: boolean } = {}): string {
  return (o.meta ? DIRECTIVES : [...DIRECTIVES, "frame-ancestors 'none'"]).join('; ');
}
