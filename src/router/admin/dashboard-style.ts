// The dashboard's style sheet, inlined into its page (dashboard.ts): a dark theme, tiles, tables, charts. Data only.

export const DASHBOARD_CSS = `  :root {
    --bg: #0f1419; --panel: #171d24; --line: #263040; --text: #e6edf3; --muted: #8b98a8;
    --accent: #4aa8ff; --accent2: #ffb454; --ok: #3fb950; --warn: #d29922; --bad: #f85149;
    font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 14px;
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--text); }
  header { display: flex; align-items: center; gap: 12px; padding: 14px 20px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
  header h1 { font-size: 17px; margin: 0; font-weight: 600; letter-spacing: .2px; }
  header .meta { color: var(--muted); font-size: 12px; margin-left: auto; display: flex; gap: 14px; flex-wrap: wrap; }
  main { padding: 16px 20px 28px; display: grid; gap: 16px; }
  .badge { display: inline-block; padding: 2px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: var(--line); color: var(--text); }
  .badge.ok { background: rgba(63,185,80,.18); color: var(--ok); }
  .badge.warn { background: rgba(210,153,34,.18); color: var(--warn); }
  .badge.bad { background: rgba(248,81,73,.18); color: var(--bad); }
  .badge.muted { color: var(--muted); }
  .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 12px; }
  .tile { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
  .tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .6px; }
  .tile .value { font-size: 24px; font-weight: 600; margin-top: 4px; font-variant-numeric: tabular-nums; }
  .tile .sub { color: var(--muted); font-size: 12px; margin-top: 2px; }
  .grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
  section h2 { font-size: 13px; margin: 0 0 10px; color: var(--muted); text-transform: uppercase; letter-spacing: .6px; font-weight: 600; display: flex; gap: 10px; align-items: center; }
  .legend { display: flex; gap: 12px; font-size: 12px; color: var(--muted); text-transform: none; letter-spacing: 0; font-weight: 400; }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 5px; vertical-align: middle; border-radius: 2px; }
  svg.chart { width: 100%; height: 180px; display: block; }
  svg.chart .grid { stroke: var(--line); stroke-width: 1; }
  svg.chart text { fill: var(--muted); font-size: 10px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; }
  td.num, th.num { text-align: right; }
  td.msg { white-space: normal; word-break: break-word; }
  .empty { color: var(--muted); padding: 8px; }
  .bar { display: inline-block; height: 8px; border-radius: 4px; background: var(--line); width: 80px; overflow: hidden; vertical-align: middle; }
  .bar > span { display: block; height: 100%; background: var(--accent); }
  .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
  .kv { display: grid; grid-template-columns: 1fr auto; gap: 4px 14px; }
  .kv div:nth-child(even) { text-align: right; font-variant-numeric: tabular-nums; }
  .cols { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 16px; }
  .cols h3 { font-size: 12px; color: var(--muted); margin: 0 0 6px; font-weight: 500; }
`
