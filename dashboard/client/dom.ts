/** Small DOM helpers: elements are built with properties and text nodes, never from HTML strings. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<'className' | 'id' | 'textContent', string>> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

/** A data table: the accessible fallback of every chart. */
export function dataTable(caption: string, columns: string[], rows: (string | number)[][]): HTMLTableElement {
  const table = el('table', {}, [el('caption', { textContent: caption })]);
  const head = el(
    'tr',
    {},
    columns.map((c) => el('th', { textContent: c })),
  );
  for (const th of head.children) th.setAttribute('scope', 'col');
  table.append(el('thead', {}, [head]));
  table.append(
    el(
      'tbody',
      {},
      rows.map((row) =>
        el(
          'tr',
          {},
          row.map((cell) => el('td', { textContent: String(cell) })),
        ),
      ),
    ),
  );
  return table;
}

export const percent = (share: number | null | undefined, digits = 0): string =>
  share === null || share === undefined ? 'no data' : `${(share * 100).toFixed(digits)} %`;

export const number = (value: number | null | undefined, digits = 0): string =>
  value === null || value === undefined
    ? 'no data'
    : value.toLocaleString('en-GB', { maximumFractionDigits: digits });
