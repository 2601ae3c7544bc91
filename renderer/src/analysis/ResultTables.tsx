import type { AnalysisResult, CoxFit } from '../../../shared/api/analysis';
import { formatPValue } from '../../../shared/charts/journalStyle';
import { localiseTable, pHeader, type TableModel } from '../../../shared/charts/tableModel';
import { ISO_DISPLAY, localiseText, type DisplaySetting } from '../../../shared/domain/displayFormat';
import { formatMonths, formatNumber, formatRate } from './format';

export function LandmarkTable({ result, display = ISO_DISPLAY }: { result: AnalysisResult; display?: DisplaySetting }) {
  const text = (t: string) => localiseText(t, display.format, display.locale);
  const what = result.kind === 'cif' ? 'Cumulative incidence' : 'Survival';
  const times = [...new Set(result.landmarks.map((l) => l.time))];
  return (
    <table className="data" aria-label="Landmark rates">
      <caption>
        {what} at landmark times ({Math.round(result.spec.confLevel * 100)}% CI)
      </caption>
      <thead>
        <tr>
          <th>Group</th>
          {times.map((t) => (
            <th key={t} className="num">
              {t} {result.timeUnit}
            </th>
          ))}
          {result.kind === 'km' && <th className="num">Median (95% CI)</th>}
          <th className="num">n / events</th>
        </tr>
      </thead>
      <tbody>
        {result.curves.map((c) => (
          <tr key={String(c.group)} data-group={c.group ?? 'all'}>
            <th scope="row">{c.label}</th>
            {times.map((t) => {
              const l = result.landmarks.find((x) => x.time === t && x.group === c.group);
              return (
                <td
                  key={t}
                  className="num"
                  data-time={t}
                  data-estimate={l?.estimate ?? ''}
                  data-lower={l?.lower ?? ''}
                  data-upper={l?.upper ?? ''}
                  data-n-risk={l?.nRisk ?? ''}
                >
                  {l ? text(formatRate(l.estimate, l.lower, l.upper)) : '—'}
                </td>
              );
            })}
            {result.kind === 'km' && (
              <td className="num">
                {!c.median
                  ? '—'
                  : c.median.estimate === null
                    ? 'not reached'
                    : text(`${formatMonths(c.median.estimate)} (${c.median.lower === null ? 'NA' : formatMonths(c.median.lower)}–${c.median.upper === null ? 'NA' : formatMonths(c.median.upper)})`)}
              </td>
            )}
            <td className="num">
              {c.n} / {c.events}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * The number-at-risk table, as printed under the figure (same ticks and counts as the chart);
 * before the figure is laid out, the service's table.
 */
export function NumberAtRiskTable({
  result,
  figureRiskTable,
}: {
  result: AnalysisResult;
  figureRiskTable: { ticks: number[]; rows: Array<{ label: string; values: Array<number | null> }> } | null;
}) {
  const ticks = figureRiskTable?.ticks ?? result.riskTable.times;
  const rows = figureRiskTable?.rows ?? result.riskTable.rows.map((r) => ({ label: r.label, values: r.atRisk }));
  return (
    <table className="data" aria-label="Number at risk">
      <caption>Number at risk ({result.timeUnit} since RT start)</caption>
      <thead>
        <tr>
          <th>Group</th>
          {ticks.map((t) => (
            <th key={t} className="num">
              {t}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={`${r.label}-${i}`}>
            <th scope="row" style={{ fontWeight: r.values.every((v) => v === null) ? 600 : 500 }}>
              {r.label}
            </th>
            {r.values.map((n, k) => (
              <td key={ticks[k]} className="num" data-time={ticks[k]}>
                {n ?? ''}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A publication table as built by shared/charts/tableModel — the same model the DOCX/CSV/HTML/LaTeX/
 * XLSX exports and the report write, so the screen shows exactly what is exported.
 */
export function TableModelView({ model: raw, label, display = ISO_DISPLAY }: { model: TableModel; label: string; display?: DisplaySetting }) {
  const model = localiseTable(raw, display);
  return (
    <div className="table-scroll">
      <table className="data" aria-label={label}>
        <caption>{model.title}</caption>
        <thead>
          {model.header.map((row, i) => (
            <tr key={i}>
              {row.map((c, j) => (
                <th key={j} colSpan={c.colSpan} className={c.align === 'right' ? 'num' : undefined} style={c.align === 'center' ? { textAlign: 'center' } : undefined}>
                  {c.text}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {model.rows.map((r, i) => (
            <tr key={i}>
              {r.cells.map((c, j) =>
                j === 0 ? (
                  <th key={j} scope="row" style={{ fontWeight: r.heading ? 600 : 400, paddingLeft: r.indent ? 22 : 8 }}>
                    {c.text}
                  </th>
                ) : (
                  <td key={j} colSpan={c.colSpan} className={c.align === 'right' ? 'num' : undefined}>
                    {c.text}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <TableNotes notes={model.footnotes} />
    </div>
  );
}

/** Footnotes under a result table. */
function TableNotes({ notes }: { notes: string[] }) {
  return notes.map((n) => (
    <p key={n} className="small muted" style={{ marginTop: 6 }}>
      {n}
    </p>
  ));
}

function Warnings({ items }: { items: string[] }) {
  if (!items.length) return null;
  return (
    <div className="notice warn small" role="note">
      {items.map((w) => (
        <div key={w}>{w}</div>
      ))}
    </div>
  );
}

/** Per-model diagnostics beside the Cox table: events per variable, PH test, concordance, method. */
export function CoxDiagnostics({ result, display = ISO_DISPLAY }: { result: AnalysisResult; display?: DisplaySetting }) {
  const style = result.spec.format.pStyle;
  const text = (t: string) => localiseText(t, display.format, display.locale);
  const p = (x: number | null | undefined) => (x === null || x === undefined ? '—' : text(formatPValue(x, style)));
  const models: Array<{ name: string; fit: CoxFit | null; error: string | null }> = [
    ...result.univariate.map((u) => ({ name: u.label, fit: u.fit, error: u.error })),
    ...(result.multivariable ? [{ name: 'Multivariable model', fit: result.multivariable as CoxFit, error: null }] : []),
  ];
  const warnings = [...new Set(models.flatMap((m) => (m.fit ? m.fit.warnings.filter((w) => !w.startsWith('Proportional')) : [])))];
  return (
    <div className="table-scroll" style={{ marginTop: 18 }}>
      <table className="data" aria-label="Cox model diagnostics">
        <caption>Model diagnostics</caption>
        <thead>
          <tr>
            <th>Model</th>
            <th className="num">n / events</th>
            <th className="num">EPV</th>
            <th className="num">Method</th>
            <th className="num">PH test {pHeader(style)}</th>
            <th className="num">Concordance</th>
          </tr>
        </thead>
        <tbody>
          {models.map((m) => (
            <tr key={m.name}>
              <th scope="row" style={{ fontWeight: 400 }}>
                {m.name}
              </th>
              {m.fit ? (
                <>
                  <td className="num">
                    {m.fit.n} / {m.fit.events}
                  </td>
                  <td className="num">
                    <span className={m.fit.epv < 10 ? 'pill warn' : 'pill'}>{text(formatNumber(m.fit.epv, 1))}</span>
                  </td>
                  <td className="num">{m.fit.method === 'firth' ? 'Firth (Breslow, no clustering)' : `Cox (${m.fit.ties}${m.fit.robust ? ', robust' : ''})`}</td>
                  <td className="num">{p(m.fit.ph?.global.p)}</td>
                  <td className="num">{m.fit.concordance === null ? '—' : text(formatNumber(m.fit.concordance, 3))}</td>
                </>
              ) : (
                <td colSpan={5} className="muted">
                  not estimable: {m.error}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      <Warnings items={warnings} />
    </div>
  );
}
