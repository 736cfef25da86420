// Times in the viewer's own zone (the API speaks UTC), durations in the unit that reads best.

const pad = (n, w = 2) => String(n).padStart(w, "0");

export function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function ms(value) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  if (value < 1000) return `${Math.round(value)} ms`;
  if (value < 60_000) return `${(value / 1000).toFixed(value < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(value / 60_000)} min ${Math.round((value % 60_000) / 1000)} s`;
}

export const between = (from, to) => (from && to ? Date.parse(to) - Date.parse(from) : null);

export const percent = (x) => (x === null || x === undefined ? "—" : `${(x * 100).toFixed(1)}%`);

export const number = (x, digits = 3) => (x === null || x === undefined ? "—" : typeof x === "number" ? String(Number(x.toFixed(digits))) : String(x));
