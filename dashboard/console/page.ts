/**
 * The console's HTML shell: no data, no inline script or style, so it can be public under a strict
 * Content-Security-Policy. Asset paths are relative (the stage prefix on AWS, none locally).
 */
import { pageHead } from '../head.js';

export function consolePage(version: string): string {
  return [
    ...pageHead('riskloop console', 'console', 'console.js', version),
    '<body>',
    '<div id="app"><noscript><p>The console needs JavaScript.</p></noscript></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
