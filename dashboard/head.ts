/**
 * The `<head>` of riskloop's pages (dashboard, console): no inline script or style, so a strict CSP
 * holds; asset paths relative, so the stage prefix on AWS is kept; versioned, so caches never mix.
 */
export function pageHead(title: string, name: string, script: string, version: string): string[] {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${title}</title>`,
    '<link rel="icon" href="data:,">',
    `<link rel="stylesheet" href="${name}/styles.css?v=${version}">`,
    `<script defer src="${name}/${script}?v=${version}"></script>`,
    '</head>',
  ];
}
