// The emoji mngbot uses, drawn as small inline SVGs: the page must look right on machines without
// a colour emoji font (headless Chromium on a server has none). Static markup only: no text from
// messages ever reaches innerHTML. Unknown :codes: stay as text.

const svg = (body) => `<svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">${body}</svg>`;
const tile = (color, inner) => svg(`<rect x="1" y="1" width="18" height="18" rx="4" fill="${color}"/>${inner}`);
const disc = (color, inner = '') => svg(`<circle cx="10" cy="10" r="8.5" fill="${color}"/>${inner}`);
const glyph = (ch, color = '#fff', size = 13, y = 14.6) =>
  `<text x="10" y="${y}" font-size="${size}" font-weight="700" text-anchor="middle" fill="${color}" font-family="DejaVu Sans, Liberation Sans, sans-serif">${ch}</text>`;
const loop = (stroke) =>
  `<path d="M14.6 7.4A5.2 5.2 0 1 0 15.2 11" fill="none" stroke="${stroke}" stroke-width="2" stroke-linecap="round"/><path d="M15.8 3.8v4.4h-4.4z" fill="${stroke}"/>`;

const ICONS = {
  white_check_mark: tile('#2eb67d', '<path d="M5.2 10.4l3.2 3.2 6.4-7" fill="none" stroke="#fff" stroke-width="2.4" stroke-linecap="round" stroke-linejoin="round"/>'),
  heavy_check_mark: svg('<path d="M3.5 10.5l4.2 4.2 8.8-9.4" fill="none" stroke="#2eb67d" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/>'),
  x: svg('<path d="M4.5 4.5l11 11M15.5 4.5l-11 11" stroke="#e01e5a" stroke-width="3.2" stroke-linecap="round"/>'),
  warning: svg('<path d="M10 1.8l8.6 15.4H1.4z" fill="#ecb22e" stroke="#ecb22e" stroke-width="1.2" stroke-linejoin="round"/><path d="M10 7v5" stroke="#1d1c1d" stroke-width="2" stroke-linecap="round"/><circle cx="10" cy="14.6" r="1.1" fill="#1d1c1d"/>'),
  hourglass: svg('<path d="M5 2.5h10M5 17.5h10" stroke="#7a5b3e" stroke-width="1.8" stroke-linecap="round"/><path d="M6 3.2h8l-4 6.2z" fill="#ecb22e"/><path d="M6 16.8h8l-4-6.2z" fill="#ecb22e" opacity=".55"/><path d="M6 3c0 4 8 4 8 7s-8 3-8 7M14 3c0 4-8 4-8 7s8 3 8 7" fill="none" stroke="#7a5b3e" stroke-width="1.1"/>'),
  hourglass_flowing_sand: svg('<path d="M5 2.5h10M5 17.5h10" stroke="#7a5b3e" stroke-width="1.8" stroke-linecap="round"/><path d="M7.5 5.5h5l-2.5 4z" fill="#ecb22e"/><path d="M6 16.8h8l-4-4z" fill="#ecb22e"/><path d="M10 9.5v4" stroke="#ecb22e" stroke-width="1"/><path d="M6 3c0 4 8 4 8 7s-8 3-8 7M14 3c0 4-8 4-8 7s8 3 8 7" fill="none" stroke="#7a5b3e" stroke-width="1.1"/>'),
  no_entry: disc('#e01e5a', '<rect x="4.2" y="8.4" width="11.6" height="3.2" rx="1" fill="#fff"/>'),
  no_entry_sign: svg('<circle cx="10" cy="10" r="7.6" fill="none" stroke="#e01e5a" stroke-width="2.6"/><path d="M4.8 15.2l10.4-10.4" stroke="#e01e5a" stroke-width="2.6"/>'),
  octagonal_sign: svg('<path d="M6.5 1.5h7l5 5v7l-5 5h-7l-5-5v-7z" fill="#e01e5a"/><rect x="4.5" y="8.6" width="11" height="2.8" rx="1" fill="#fff"/>'),
  arrows_counterclockwise: tile('#1d9bd1', loop('#fff')),
  recycle: svg(loop('#2eb67d')),
  double_vertical_bar: tile('#1d9bd1', '<rect x="6" y="5" width="2.8" height="10" rx=".8" fill="#fff"/><rect x="11.2" y="5" width="2.8" height="10" rx=".8" fill="#fff"/>'),
  fast_forward: tile('#1d9bd1', '<path d="M4.5 5.5l5.5 4.5-5.5 4.5zM10 5.5l5.5 4.5-5.5 4.5z" fill="#fff"/>'),
  information_source: tile('#1d9bd1', glyph('i', '#fff', 13)),
  large_yellow_circle: disc('#ecb22e'),
  large_green_circle: disc('#2eb67d'),
  large_blue_circle: disc('#1d9bd1'),
  red_circle: disc('#e01e5a'),
  white_circle: svg('<circle cx="10" cy="10" r="7.8" fill="#fff" stroke="#b0b0b0" stroke-width="1.4"/>'),
  outbox_tray: svg('<path d="M2.5 11.5h4l1 2h5l1-2h4v5.5h-15z" fill="#8a6d3b"/><path d="M10 11V3.2M6.8 6.2L10 3l3.2 3.2" fill="none" stroke="#1d9bd1" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/>'),
  raising_hand: disc('#e8912d', glyph('!', '#fff', 13)),
  question: disc('#e01e5a', glyph('?', '#fff', 13)),
  test_tube: svg('<path d="M7.6 2.5h4.8" stroke="#616061" stroke-width="1.6" stroke-linecap="round"/><path d="M8.6 2.8v11.4a1.4 1.4 0 0 0 2.8 0V2.8" fill="#fff" stroke="#616061" stroke-width="1.4"/><path d="M8.9 9h2.2v5.2a1.1 1.1 0 0 1-2.2 0z" fill="#2eb67d"/>'),
  boom: svg('<path d="M10 1l2 5 5-2-2.6 4.6L19 11l-5 1 1.6 5-4.6-3-2.6 4.6-.6-5.2L2 15l3-4.2L1 8.6l5-.6L5 3l4 3z" fill="#e8912d"/><circle cx="10" cy="10.2" r="2.6" fill="#ecb22e"/>'),
  calendar: svg('<rect x="2.5" y="3.5" width="15" height="14" rx="2" fill="#fff" stroke="#8d8d8d" stroke-width="1.2"/><path d="M2.5 5.5a2 2 0 0 1 2-2h11a2 2 0 0 1 2 2V8h-15z" fill="#e01e5a"/>' + glyph('7', '#1d1c1d', 8, 15.6)),
  lock: svg('<rect x="4" y="9" width="12" height="9" rx="1.6" fill="#ecb22e"/><path d="M6.5 9V6.5a3.5 3.5 0 0 1 7 0V9" fill="none" stroke="#8d8d8d" stroke-width="1.8"/>'),
  robot_face: tile('#4a154b', '<rect x="4.5" y="6" width="11" height="8.5" rx="2" fill="#fff"/><circle cx="8" cy="10.2" r="1.3" fill="#4a154b"/><circle cx="12" cy="10.2" r="1.3" fill="#4a154b"/><path d="M10 6V3.6" stroke="#fff" stroke-width="1.4"/>'),
  eyes: svg('<ellipse cx="6.5" cy="10" rx="3.6" ry="5" fill="#fff" stroke="#616061"/><ellipse cx="13.5" cy="10" rx="3.6" ry="5" fill="#fff" stroke="#616061"/><circle cx="7.4" cy="10.6" r="1.6" fill="#1d1c1d"/><circle cx="14.4" cy="10.6" r="1.6" fill="#1d1c1d"/>'),
};
ICONS.heavy_multiplication_x = ICONS.x;
ICONS.hourglass_done = ICONS.hourglass;
ICONS.stop_sign = ICONS.octagonal_sign;
ICONS.information = ICONS.information_source;
ICONS.rotating_light = ICONS.warning;

/** An element for :name:, or null when the page has no picture for it. */
export function emojiElement(name) {
  const markup = ICONS[name];
  if (!markup) return null;
  const span = document.createElement('span');
  span.className = 'emoji';
  span.title = `:${name}:`;
  span.setAttribute('role', 'img');
  span.setAttribute('aria-label', name.replace(/_/g, ' '));
  span.innerHTML = markup;
  return span;
}
