import type { AnalysisResult, CountTable, CoxFit, Table1, UnivariateRow } from '../../../shared/api/analysis';
import { formatHr, formatMonths, formatNumber, formatP, formatRate } from './format';

export function LandmarkTable({ result }: { result: AnalysisResult }) {
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
                  {l ? formatRate(l.estimate, l.lower, l.upper) : '—'}
                </td>
              );
            })}
            {result.kind === 'km' && (
              <td className="num">
                {!c.median
                  ? '—'
                  : c.median.estimate === null
                    ? 'not reached'
                    : `${formatMonths(c.median.estimate)} (${c.median.lower === null ? 'NA' : formatMonths(c.median.lower)}–${c.median.upper === null ? 'NA' : formatMonths(c.median.upper)})`}
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

export function Table1View({ table }: { table: Table1 }) {
  const groups = table.groups;
  return (
    <div className="table-scroll">
      <table className="data" aria-label="Table 1">
        <caption>Table 1 — patient and lesion characteristics</caption>
        <thead>
          <tr>
            <th>Characteristic</th>
            {groups.map((g) => (
              <th key={String(g.value)} className="num">
                {g.label}
                <div className="small muted">
                  {g.patients} pts / {g.lesions} lesions
                </div>
              </th>
            ))}
            {groups.length > 2 && <th className="num">p</th>}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r, i) => (
            <tr key={`${r.variable}-${r.level ?? ''}-${i}`}>
              <th scope="row" style={{ fontWeight: r.level === null ? 600 : 400, paddingLeft: r.level === null ? 8 : 22 }}>
                {r.label}
                {r.level === null && <span className="pill" style={{ marginLeft: 6 }}>{r.unit}</span>}
              </th>
              <td className="num">{r.total}</td>
              {r.byGroup.slice(0, groups.length - 1).map((v, k) => (
                <td key={k} className="num">
                  {v}
                </td>
              ))}
              {groups.length > 2 && <td className="num">{r.p === null ? '' : formatP(r.p)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <TableNotes notes={table.notes} />
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

function methodLabel(fit: CoxFit): string {
  if (fit.method === 'firth') return 'Firth-penalised Cox, profile-likelihood CIs';
  return `Cox PH${fit.robust ? ', robust SE clustered by patient' : ''}`;
}

export function CoxTables({ univariate, multivariable, note }: { univariate: UnivariateRow[]; multivariable: AnalysisResult['multivariable']; note: string | null }) {
  const uvaWarnings = [...new Set(univariate.flatMap((u) => (u.fit ? u.fit.warnings.filter((w) => !w.startsWith('Proportional')) : [])))];
  return (
    <div>
      <div className="table-scroll">
        <table className="data" aria-label="Univariate Cox models">
          <caption>Univariate Cox regression</caption>
          <thead>
            <tr>
              <th>Variable</th>
              <th className="num">n / events</th>
              <th className="num">HR (95% CI)</th>
              <th className="num">p</th>
              <th className="num">PH test p</th>
              <th className="num">EPV</th>
            </tr>
          </thead>
          <tbody>
            {univariate.flatMap((u) =>
              u.fit
                ? u.fit.terms.map((t, k) => (
                    <tr key={`${u.variable}-${t.term}`}>
                      <th scope="row" style={{ fontWeight: 400 }}>
                        {t.label}
                      </th>
                      <td className="num">{k === 0 ? `${u.fit!.n} / ${u.fit!.events}` : ''}</td>
                      <td className="num">{formatHr(t.hr, t.lower, t.upper)}</td>
                      <td className="num">{formatP(t.p)}</td>
                      <td className="num">{k === 0 ? formatP(u.fit!.ph?.global.p) : ''}</td>
                      <td className="num">
                        {k === 0 && (
                          <span className={u.fit!.epv < 10 ? 'pill warn' : 'pill'} title={u.fit!.epv < 10 ? 'Fewer than 10 events per coefficient' : undefined}>
                            {formatNumber(u.fit!.epv, 1)}
                          </span>
                        )}
                      </td>
                    </tr>
                  ))
                : [
                    <tr key={u.variable}>
                      <th scope="row" style={{ fontWeight: 400 }}>
                        {u.label}
                      </th>
                      <td colSpan={5} className="muted">
                        not estimable: {u.error}
                      </td>
                    </tr>,
                  ],
            )}
          </tbody>
        </table>
        {univariate[0]?.fit && <p className="small muted">{methodLabel(univariate[0].fit)}.</p>}
        <Warnings items={uvaWarnings} />
      </div>

      <div className="table-scroll" style={{ marginTop: 18 }}>
        <table className="data" aria-label="Multivariable Cox model">
          <caption>Multivariable Cox regression {note && <span className="muted small">— {note}</span>}</caption>
          <thead>
            <tr>
              <th>Variable</th>
              <th className="num">HR (95% CI)</th>
              <th className="num">p</th>
              <th className="num">PH test p</th>
            </tr>
          </thead>
          <tbody>
            {multivariable ? (
              multivariable.terms.map((t) => (
                <tr key={t.term}>
                  <th scope="row" style={{ fontWeight: 400 }}>
                    {t.label}
                  </th>
                  <td className="num">{formatHr(t.hr, t.lower, t.upper)}</td>
                  <td className="num">{formatP(t.p)}</td>
                  <td className="num">{formatP(multivariable.ph?.terms.find((p) => p.term === t.term.split('=')[0])?.p)}</td>
                </tr>
              ))
            ) : (
              <tr>
                <td colSpan={4} className="muted">
                  No multivariable model.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {multivariable && (
          <p className="small muted">
            {methodLabel(multivariable)} · n = {multivariable.n}, events = {multivariable.events}, EPV = {formatNumber(multivariable.epv, 1)}
            {multivariable.likelihoodRatio && <> · LR test p = {formatP(multivariable.likelihoodRatio.p)}</>}
            {multivariable.ph && <> · global PH test p = {formatP(multivariable.ph.global.p)}</>}
          </p>
        )}
        {multivariable && <Warnings items={multivariable.warnings} />}
      </div>
    </div>
  );
}

export function CountTableView({ table, label, firstColumn }: { table: CountTable; label: string; firstColumn: string }) {
  return (
    <div className="table-scroll">
      <table className="data" aria-label={label}>
        <caption>{label}</caption>
        <thead>
          <tr>
            <th>{firstColumn}</th>
            {table.columns.map((c) => (
              <th key={c} className="num">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {table.rows.map((r) => (
            <tr key={r.label}>
              <th scope="row" style={{ fontWeight: 400 }}>
                {r.label}
              </th>
              {r.cells.map((c, i) => (
                <td key={i} className="num">
                  {c}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <TableNotes notes={table.notes} />
    </div>
  );
}
