/**
 * The console's HTML shell: no data, no inline script or style, so it can be public under a strict
 * Content-Security-Policy. Asset paths are relative (the stage prefix on AWS, none locally).
 */
export function consolePage(version: string): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    '<title>riskloop console</title>',
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="console/styles.css?v=${version}">`,
    `<script defer src="console/console.js?v=${version}"></script>`,
    '</head>',
    '<body>',
    '<div id="app"><noscript><p>The console needs JavaScript.</p></noscript></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
