import { useCallback, useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import type { CohortDataset } from '../../../shared/api/cohort';
import { ENTITY_FIELDS, type AuditEntry, type CohortRow, type EditHistoryState, type EntityName, type FieldSpec } from '../../../shared/domain/cohortModel';
import { formatDate, formatNumber, formatTimestamp, type DisplaySetting } from '../../../shared/domain/displayFormat';
import { parseLesionLevels } from '../../../shared/domain/vertebralLevels';
import { NeedsStudy, PageTitle } from '../navigation';
import { useStudy } from '../StudyContext';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { DataGrid, type CellKind, type GridColumn } from '../components/DataGrid';
import { ErrorNotice } from '../components/ErrorNotice';
import { rtcw, showError, type ShownError } from '../rtcw';

type TabId = 'patient' | 'lesion' | 'rtCourse' | 'systemicTherapy' | 'event' | 'toxicity';
const TABS: { id: TabId; label: string }[] = [
  { id: 'patient', label: 'Patients' },
  { id: 'lesion', label: 'Lesions' },
  { id: 'rtCourse', label: 'RT courses' },
  { id: 'systemicTherapy', label: 'Systemic therapies' },
  { id: 'event', label: 'Events' },
  { id: 'toxicity', label: 'Toxicities' },
];
const ENTITY_LABEL: Record<EntityName, string> = {
  patient: 'patient',
  lesion: 'lesion',
  rtCourse: 'RT course',
  systemicTherapy: 'systemic therapy',
  event: 'event',
  toxicity: 'toxicity',
};

/** Fields shown in the grids (provenance keys go to the detail panel). */
const HIDDEN_FIELDS = new Set(['sourceKey', 'sourceLocator', 'planSopInstanceUid']);

const KIND: Record<FieldSpec['type'], CellKind> = {
  text: 'text',
  integer: 'integer',
  number: 'number',
  date: 'date',
  boolean: 'boolean',
  enum: 'enum',
  levels: 'text',
  reference: 'text',
};

const WIDTH: Record<FieldSpec['type'], number> = {
  text: 140,
  integer: 90,
  number: 100,
  date: 112,
  boolean: 86,
  enum: 130,
  levels: 110,
  reference: 120,
};

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

interface CohortData {
  patients: CohortRow[];
  lesions: CohortRow[];
  courses: CohortRow[];
  therapies: CohortRow[];
  events: CohortRow[];
  toxicities: CohortRow[];
  derived: CohortDataset | null;
}

/** What the Lesions grid shows: the lesion, its patient, its first course, its derived values. */
interface LesionView {
  id: number;
  lesion: CohortRow;
  patient: CohortRow | undefined;
  course: CohortRow | undefined;
  courseCount: number;
  derived: Record<string, string | number | null> | undefined;
}

export function CohortPage() {
  return (
    <div className="page page-wide">
      <PageTitle>Cohort</PageTitle>
      <NeedsStudy>
        <CohortWorkspace />
      </NeedsStudy>
    </div>
  );
}

function fieldColumn<R>(spec: FieldSpec, get: (row: R) => unknown, options: { key?: string; label?: string } = {}): GridColumn<R> {
  const column: GridColumn<R> = {
    key: options.key ?? spec.name,
    label: options.label ?? capitalise(spec.label),
    width: Math.max(WIDTH[spec.type], Math.min(200, (options.label ?? spec.label).length * 8 + 24)),
    kind: KIND[spec.type],
    get,
    editable: spec.type !== 'reference',
    nullable: !spec.required,
    min: spec.min, // "greater than" bounds (spec.above) are checked by validate below, in words
    max: spec.max,
    options: spec.values?.map((v) => ({ value: v, label: v.replace(/_/g, ' ') })),
  };
  if (spec.type === 'levels') {
    column.format = (v) => (typeof v === 'string' ? formatLevels(v) : '');
    column.validate = (v) => {
      const parsed = parseLesionLevels(String(v));
      return parsed.ok ? null : `Vertebral levels: ${parsed.error}.`;
    };
  }
  if (spec.above !== undefined) {
    column.validate = (v) => (typeof v === 'number' && v <= spec.above! ? `${capitalise(spec.label)} must be greater than ${spec.above}.` : null);
  }
  return column;
}

/** 'T11,T12,L1' → 'T11–L1'. */
function formatLevels(stored: string): string {
  const parts = stored.split(',').filter(Boolean);
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts[0]}–${parts[parts.length - 1]}`;
}

function derivedColumn<R>(key: string, label: string, get: (row: R) => unknown, kind: CellKind = 'text', width = 100, format?: (v: unknown) => string, description?: string): GridColumn<R> {
  return { key, label, width, kind, get, derived: true, format: format ? (v) => format(v) : undefined, description: description ?? `${label} — derived by the study rules, read-only` };
}

const months = (v: unknown) => (typeof v === 'number' ? v.toFixed(1) : '');
const yesNo = (v: unknown) => (v === 1 ? 'yes' : v === 0 ? 'no' : '');

function CohortWorkspace() {
  const { revision, bump, display } = useStudy();
  const [tab, setTab] = useState<TabId>('lesion');
  const [data, setData] = useState<CohortData | null>(null);
  const [error, setError] = useState<ShownError | null>(null);
  const [selected, setSelected] = useState<{ entity: EntityName; id: number } | null>(null);
  const [history, setHistory] = useState<EditHistoryState | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<{ entity: EntityName; id: number; label: string } | null>(null);
  const [adding, setAdding] = useState(false);
  const [status, setStatus] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const api = rtcw();
      const [patients, lesions, courses, therapies, events, toxicities, derived] = await Promise.all([
        api.listCohortRecords({ entity: 'patient' }),
        api.listCohortRecords({ entity: 'lesion' }),
        api.listCohortRecords({ entity: 'rtCourse' }),
        api.listCohortRecords({ entity: 'systemicTherapy' }),
        api.listCohortRecords({ entity: 'event' }),
        api.listCohortRecords({ entity: 'toxicity' }),
        api.cohortDataset({ unit: 'lesion' }).catch(() => null),
      ]);
      setData({ patients, lesions, courses, therapies, events, toxicities, derived });
      setHistory(await api.cohortEditHistory({}));
    } catch (e) {
      setError(showError(e));
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load, revision]);

  const patientName = useMemo(() => new Map(data?.patients.map((p) => [p.id, String(p.pseudonym)]) ?? []), [data]);
  const lesionName = useMemo(
    () => new Map(data?.lesions.map((l) => [l.id, `${patientName.get(l.patientId as number) ?? '?'} ${formatLevels(String(l.levels))}`]) ?? []),
    [data, patientName],
  );

  const lesionViews = useMemo<LesionView[]>(() => {
    if (!data) return [];
    const patients = new Map(data.patients.map((p) => [p.id, p]));
    const coursesByLesion = new Map<number, CohortRow[]>();
    for (const c of data.courses) {
      const list = coursesByLesion.get(c.lesionId as number) ?? [];
      list.push(c);
      coursesByLesion.set(c.lesionId as number, list);
    }
    const derivedByLesion = new Map<number, Record<string, string | number | null>>();
    // Rows are looked up by column key in the grid, so they are read as plain records here.
    data.derived?.lesionIds.forEach((id, i) => derivedByLesion.set(id, data.derived!.rows[i] as unknown as Record<string, string | number | null>));
    return data.lesions.map((lesion) => {
      const courses = (coursesByLesion.get(lesion.id) ?? []).sort((a, b) => String(a.startDate).localeCompare(String(b.startDate)) || a.id - b.id);
      return {
        id: lesion.id,
        lesion,
        patient: patients.get(lesion.patientId as number),
        course: courses[0],
        courseCount: courses.length,
        derived: derivedByLesion.get(lesion.id),
      };
    });
  }, [data]);

  /** Saves one field; returns a message for the cell on failure. */
  const save = useCallback(
    async (entity: EntityName, id: number, field: string, value: unknown, label: string): Promise<string | null> => {
      try {
        await rtcw().updateCohortRecord({ entity, id, changes: { [field]: value as string | number | boolean | null }, label });
        setStatus(`Saved ${label}.`);
        bump();
        return null;
      } catch (e) {
        const shown = showError(e);
        return shown.code === 'INVALID_INPUT' ? shown.message.replace(/^[a-zA-Z]+: /, '') : `${shown.message} ${shown.next}`;
      }
    },
    [bump],
  );

  // Undo/redo are per study and kept in it (electron/services/db/editHistory.ts), so they cover
  // edits, adds and deletes and survive reopening.
  const stepHistory = useCallback(
    async (direction: 'undo' | 'redo') => {
      try {
        const api = rtcw();
        const state = direction === 'undo' ? await api.undoCohortEdit({}) : await api.redoCohortEdit({});
        setHistory(state);
        setStatus(`${direction === 'undo' ? 'Undid' : 'Redid'}: ${state.applied}.`);
        bump();
      } catch (e) {
        setError(showError(e));
      }
    },
    [bump],
  );

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
      if (!(event.ctrlKey || event.metaKey)) return;
      const key = event.key.toLowerCase();
      if (key === 'z' || key === 'y') {
        event.preventDefault();
        void stepHistory(key === 'y' || event.shiftKey ? 'redo' : 'undo');
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [stepHistory]);

  const entityRows = (entity: EntityName): CohortRow[] => {
    if (!data) return [];
    switch (entity) {
      case 'patient':
        return data.patients;
      case 'rtCourse':
        return data.courses;
      case 'systemicTherapy':
        return data.therapies;
      case 'event':
        return data.events;
      case 'toxicity':
        return data.toxicities;
      default:
        return data.lesions;
    }
  };

  const describe = (entity: EntityName, row: CohortRow | undefined): string => {
    if (!row) return ENTITY_LABEL[entity];
    switch (entity) {
      case 'patient':
        return `patient ${row.pseudonym}`;
      case 'lesion':
        return `lesion ${lesionName.get(row.id) ?? row.id}`;
      case 'rtCourse':
        return `RT course of ${lesionName.get(row.lesionId as number) ?? 'lesion'} (${formatDate(String(row.startDate), display.format, display.locale)})`;
      default:
        return `${ENTITY_LABEL[entity]} of ${patientName.get(row.patientId as number) ?? 'patient'}`;
    }
  };

  const genericColumns = useCallback(
    (entity: EntityName): GridColumn<CohortRow>[] => {
      const columns: GridColumn<CohortRow>[] = [];
      for (const spec of ENTITY_FIELDS[entity]) {
        if (HIDDEN_FIELDS.has(spec.name)) continue;
        if (spec.type === 'reference') {
          const names = spec.references === 'patient' ? patientName : lesionName;
          columns.push({
            key: spec.name,
            label: capitalise(spec.label),
            width: spec.references === 'lesion' ? 150 : 120,
            kind: 'text',
            get: (r) => (r[spec.name] === null ? '' : (names.get(r[spec.name] as number) ?? String(r[spec.name]))),
            description: `${capitalise(spec.label)} (set when the row is added)`,
          });
          continue;
        }
        columns.push(fieldColumn<CohortRow>(spec, (r) => r[spec.name]));
      }
      if (entity === 'patient') {
        const counts = new Map<number, number>();
        for (const l of data?.lesions ?? []) counts.set(l.patientId as number, (counts.get(l.patientId as number) ?? 0) + 1);
        columns.push(derivedColumn('lesionCount', 'Lesions', (r) => counts.get(r.id) ?? 0, 'integer', 80));
      }
      return columns;
    },
    [patientName, lesionName, data],
  );

  const lesionColumns = useMemo<GridColumn<LesionView>[]>(() => {
    const lesionSpecs = ENTITY_FIELDS.lesion.filter((s) => !HIDDEN_FIELDS.has(s.name) && s.type !== 'reference');
    const courseSpecs = ENTITY_FIELDS.rtCourse.filter((s) => ['startDate', 'totalDoseGy', 'fractionsPlanned', 'fractionsDelivered', 'technique'].includes(s.name));
    const d = (key: string) => (v: LesionView) => v.derived?.[key] ?? null;
    return [
      { key: 'patient', label: 'Patient', width: 110, kind: 'text', get: (v) => (v.patient ? String(v.patient.pseudonym) : '') },
      ...lesionSpecs.map((s) => fieldColumn<LesionView>(s, (v) => v.lesion[s.name])),
      ...courseSpecs.map((s) =>
        fieldColumn<LesionView>(s, (v) => v.course?.[s.name] ?? null, { key: `course.${s.name}`, label: `RT ${s.label.replace(/^RT /, '')}` }),
      ),
      derivedColumn('courseCount', 'Courses', (v) => v.courseCount, 'integer', 80),
      derivedColumn('location', 'Location', d('location'), 'text', 96),
      derivedColumn('sinsGroup', 'SINS group', d('sinsGroup'), 'text', 96),
      derivedColumn('bedGy', 'BED (Gy)', d('bedGy'), 'number', 90, undefined, 'BED = n·d·(1 + d/(α/β)), α/β from the study settings'),
      derivedColumn('eqd2Gy', 'EQD2 (Gy)', d('eqd2Gy'), 'number', 96),
      derivedColumn('sbrt', 'SBRT', d('sbrt'), 'text', 70, yesNo, 'SBRT from technique/machine, else dose per fraction ≥ rule in ≤ rule fractions'),
      derivedColumn('targetedTiming', 'Targeted therapy', d('targetedTiming'), 'text', 130, undefined, 'Timing of targeted therapy vs the RT course (study concurrency window)'),
      derivedColumn('painResponse', 'Pain response', d('painResponse'), 'text', 104, yesNo),
      derivedColumn('localTime', 'Local PF (mo)', d('localTime'), 'number', 110, months),
      derivedColumn('localEvent', 'Local event', d('localEvent'), 'text', 92, yesNo),
      derivedColumn('osTime', 'OS (mo)', d('osTime'), 'number', 84, months),
      derivedColumn('osEvent', 'Died', d('osEvent'), 'text', 64, yesNo),
      derivedColumn('firstFailure', 'First failure', d('firstFailure'), 'text', 104),
    ];
  }, []);

  const onLesionEdit = async ({ row, column, value }: { row: LesionView; column: GridColumn<LesionView>; value: unknown }) => {
    if (column.key.startsWith('course.')) {
      if (!row.course) return 'This lesion has no RT course yet: add one on the RT courses tab.';
      const field = column.key.slice('course.'.length);
      return save('rtCourse', row.course.id, field, value, `${column.label} of ${describe('lesion', row.lesion)}`);
    }
    return save('lesion', row.id, column.key, value, `${column.label} of ${describe('lesion', row.lesion)}`);
  };

  const selectedRow = selected ? entityRows(selected.entity).find((r) => r.id === selected.id) : undefined;
  const tabEntity: EntityName = tab;

  return (
    <div>
      <div className="page-header" style={{ marginBottom: 10 }}>
        <p className="lede" style={{ margin: 0 }}>
          Click a cell or use the arrow keys; Enter or typing edits, Esc cancels. Hatched columns marked ƒ are derived by the study rules and update live.
        </p>
        <div className="spacer" />
        <div className="button-row">
          <button
            type="button"
            onClick={() => void stepHistory('undo')}
            disabled={!history?.undo}
            title={history?.undo ? `Undo ${history.undo} (Ctrl+Z)` : 'Nothing to undo'}
            aria-keyshortcuts="Control+Z"
          >
            Undo
          </button>
          <button
            type="button"
            onClick={() => void stepHistory('redo')}
            disabled={!history?.redo}
            title={history?.redo ? `Redo ${history.redo} (Ctrl+Shift+Z)` : 'Nothing to redo'}
            aria-keyshortcuts="Control+Shift+Z"
          >
            Redo
          </button>
          <button type="button" onClick={() => setAdding((a) => !a)} aria-expanded={adding}>
            Add {ENTITY_LABEL[tabEntity]}
          </button>
          <button
            type="button"
            className="danger"
            disabled={!selected || selected.entity !== tabEntity || !selectedRow}
            onClick={() => selected && selectedRow && setConfirmDelete({ ...selected, label: describe(selected.entity, selectedRow) })}
          >
            Delete selected
          </button>
        </div>
      </div>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <div className="small muted" role="status" aria-live="polite" style={{ minHeight: 20 }}>
        {status}
      </div>

      <div role="tablist" aria-label="Cohort tables" className="tabs">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            id={`cohort-tab-${t.id}`}
            type="button"
            role="tab"
            className="tab"
            aria-selected={tab === t.id}
            aria-controls="cohort-panel"
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => {
              setTab(t.id);
              setAdding(false);
              setStatus(null); // a message about another table would mislead here
            }}
            onKeyDown={(e) => {
              const dir = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
              if (!dir) return;
              const next = TABS[(i + dir + TABS.length) % TABS.length].id;
              setTab(next);
              document.getElementById(`cohort-tab-${next}`)?.focus();
            }}
          >
            {t.label} <span className="pill">{data ? entityRows(t.id).length : '…'}</span>
          </button>
        ))}
      </div>

      {adding && data && (
        <AddRecordForm
          entity={tabEntity}
          patients={data.patients}
          lesions={data.lesions}
          lesionName={lesionName}
          onCancel={() => setAdding(false)}
          onAdded={(row) => {
            setAdding(false);
            setSelected({ entity: tabEntity, id: row.id });
            setStatus(`Added ${describe(tabEntity, row)}.`);
            bump();
          }}
        />
      )}

      <div role="tabpanel" id="cohort-panel" aria-labelledby={`cohort-tab-${tab}`} className={tab === 'lesion' ? 'split' : undefined}>
        {data === null ? (
          <p className="muted">Loading the cohort…</p>
        ) : tab === 'lesion' ? (
          <>
            <DataGrid<LesionView>
              label="Lesions"
              rows={lesionViews}
              columns={lesionColumns}
              rowKey={(v) => v.id}
              onEdit={onLesionEdit}
              selectedKey={selected?.entity === 'lesion' ? selected.id : null}
              onSelect={(v) => setSelected(v ? { entity: 'lesion', id: v.id } : null)}
              height={620}
              display={display}
              emptyMessage="No lesions yet: import DICOM or a spreadsheet, or add one."
            />
            <LesionDetail view={lesionViews.find((v) => v.id === selected?.id && selected?.entity === 'lesion')} courses={data.courses} revision={revision} />
          </>
        ) : (
          <DataGrid<CohortRow>
            key={tab}
            label={TABS.find((t) => t.id === tab)!.label}
            rows={entityRows(tabEntity)}
            columns={genericColumns(tabEntity)}
            rowKey={(r) => r.id}
            onEdit={({ row, column, value }) => save(tabEntity, row.id, column.key, value, `${column.label} of ${describe(tabEntity, row)}`)}
            selectedKey={selected?.entity === tabEntity ? selected.id : null}
            onSelect={(r) => setSelected(r ? { entity: tabEntity, id: r.id } : null)}
            height={620}
            display={display}
          />
        )}
      </div>

      <ConfirmDialog
        open={confirmDelete !== null}
        title={`Delete ${confirmDelete?.label ?? ''}?`}
        body={
          confirmDelete?.entity === 'patient'
            ? 'The patient and all their lesions, RT courses, therapies, events and toxicities are deleted. The audit log keeps a copy.'
            : confirmDelete?.entity === 'lesion'
              ? 'The lesion and its RT courses, events and toxicities are deleted. The audit log keeps a copy.'
              : 'The row is deleted. The audit log keeps a copy.'
        }
        confirmLabel="Delete"
        onCancel={() => setConfirmDelete(null)}
        onConfirm={async () => {
          const target = confirmDelete;
          setConfirmDelete(null);
          if (!target) return;
          try {
            const { removed } = await rtcw().deleteCohortRecord({ entity: target.entity, id: target.id, label: `delete ${target.label}` });
            setSelected(null);
            setStatus(`Deleted ${target.label} (${removed} row${removed === 1 ? '' : 's'}).`);
            bump();
          } catch (e) {
            setError(showError(e));
          }
        }}
      />
    </div>
  );
}

function LesionDetail({ view, courses, revision }: { view: LesionView | undefined; courses: CohortRow[]; revision: number }) {
  const { display } = useStudy();
  const date = (v: unknown) => formatDate(v === null || v === undefined ? '' : String(v), display.format, display.locale);
  const num = (v: unknown) => (typeof v === 'number' ? formatNumber(v, display.format, 2, display.locale) : String(v ?? '—'));
  const [audit, setAudit] = useState<AuditEntry[] | null>(null);
  const lesionCourses = useMemo(() => (view ? courses.filter((c) => c.lesionId === view.id) : []), [view, courses]);
  useEffect(() => {
    if (!view) {
      setAudit(null);
      return;
    }
    let live = true;
    void (async () => {
      try {
        const api = rtcw();
        const entries = [
          ...(await api.listAuditLog({ entity: 'lesion', entityId: view.id, limit: 200 })),
          ...(await Promise.all(lesionCourses.map((c) => api.listAuditLog({ entity: 'rtCourse', entityId: c.id, limit: 200 })))).flat(),
        ].sort((a, b) => b.at.localeCompare(a.at) || b.id - a.id);
        if (live) setAudit(entries);
      } catch {
        if (live) setAudit([]);
      }
    })();
    return () => {
      live = false;
    };
  }, [view, lesionCourses, revision]);

  if (!view) {
    return (
      <aside className="panel detail" aria-label="Lesion detail">
        <h2>Lesion detail</h2>
        <p className="muted">Select a lesion to see its RT courses, provenance and audit history.</p>
      </aside>
    );
  }
  const l = view.lesion;
  return (
    <aside className="panel detail" aria-label="Lesion detail">
      <h2>
        {view.patient ? String(view.patient.pseudonym) : 'Lesion'} · {formatLevels(String(l.levels))}
      </h2>
      <dl>
        <dt>Location</dt>
        <dd>{String(view.derived?.location ?? '—')}</dd>
        <dt>BED / EQD2</dt>
        <dd>
          {num(view.derived?.bedGy ?? null)} / {num(view.derived?.eqd2Gy ?? null)} Gy
        </dd>
        <dt>Targeted therapy</dt>
        <dd>{String(view.derived?.targetedTiming ?? '—')}</dd>
        <dt>First failure</dt>
        <dd>{String(view.derived?.firstFailure ?? '—')}</dd>
      </dl>

      <h3>RT courses</h3>
      {lesionCourses.length === 0 ? (
        <p className="small muted">None recorded.</p>
      ) : (
        <ul className="audit">
          {lesionCourses.map((c) => (
            <li key={c.id}>
              {date(c.startDate)}
              {c.endDate ? ` → ${date(c.endDate)}` : ''}: {num(c.totalDoseGy)} Gy / {String(c.fractionsPlanned)} fx
              {c.technique ? ` · ${c.technique}` : ''}
              {c.machine ? ` · ${c.machine}` : ''}
            </li>
          ))}
        </ul>
      )}

      <h3>Provenance</h3>
      <dl>
        <dt>Source</dt>
        <dd className="mono small" style={{ wordBreak: 'break-word' }}>
          {String(l.sourceLocator ?? 'manual entry')}
        </dd>
        <dt>Source key</dt>
        <dd className="mono small" style={{ wordBreak: 'break-word' }}>
          {String(l.sourceKey ?? '—')}
        </dd>
        {lesionCourses.map((c) => (
          <div key={c.id} style={{ display: 'contents' }}>
            <dt>Course {date(c.startDate)}</dt>
            <dd className="mono small" style={{ wordBreak: 'break-word' }}>
              {String(c.sourceLocator ?? 'manual entry')}
              {c.planSopInstanceUid ? ` · plan ${c.planSopInstanceUid}` : ''}
            </dd>
          </div>
        ))}
        <dt>Created</dt>
        <dd className="small">{formatTimestamp(String(l.createdAt), display.format, display.locale)}</dd>
      </dl>

      <h3 id="audit-heading">Audit history</h3>
      {audit === null ? (
        <p className="small muted">Loading…</p>
      ) : audit.length === 0 ? (
        <p className="small muted">No entries.</p>
      ) : (
        <ol className="audit" aria-labelledby="audit-heading">
          {audit.map((a) => (
            <li key={a.id}>
              <div className="small muted">
                {formatTimestamp(a.at, display.format, display.locale)} · {a.who} · {a.action} {a.entity === 'rtCourse' ? 'RT course' : a.entity}
              </div>
              <div>{describeChange(a, display)}</div>
            </li>
          ))}
        </ol>
      )}
    </aside>
  );
}

/** "SINS: 7 → 9" — with the field's label and values written as the study setting says. */
function describeChange(a: AuditEntry, display: DisplaySetting): string {
  if (a.action === 'insert') return 'created';
  if (a.action === 'delete') return 'deleted';
  if (a.action !== 'update') return a.action;
  const before = (a.before ?? {}) as Record<string, unknown>;
  const after = (a.after ?? {}) as Record<string, unknown>;
  const changed = Object.keys(after).filter((k) => !['updatedAt', 'createdAt'].includes(k) && JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  if (changed.length === 0) return 'no change';
  const specs = ENTITY_FIELDS[a.entity as EntityName] ?? [];
  const show = (v: unknown, spec: FieldSpec | undefined) => {
    if (v === null || v === undefined || v === '') return '—';
    if (spec?.type === 'date') return formatDate(String(v), display.format, display.locale);
    if (typeof v === 'number') return formatNumber(v, display.format, 4, display.locale);
    if (spec?.type === 'boolean') return v === true || v === 1 ? 'yes' : 'no';
    return String(v);
  };
  return changed
    .map((k) => {
      const spec = specs.find((s) => s.name === k);
      return `${spec?.label ?? k}: ${show(before[k], spec)} → ${show(after[k], spec)}`;
    })
    .join('; ');
}

function AddRecordForm(props: {
  entity: EntityName;
  patients: CohortRow[];
  lesions: CohortRow[];
  lesionName: Map<number, string>;
  onCancel(): void;
  onAdded(row: CohortRow): void;
}) {
  const specs = ENTITY_FIELDS[props.entity].filter((s) => s.required || (props.entity === 'event' && s.name === 'lesionId') || (props.entity === 'toxicity' && s.name === 'lesionId'));
  const [values, setValues] = useState<Record<string, string>>({});
  const [error, setError] = useState<ShownError | null>(null);
  const baseId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const out: Record<string, string | number | boolean | null> = {};
    for (const s of specs) {
      const raw = (values[s.name] ?? '').trim();
      if (raw === '') {
        out[s.name] = null;
        continue;
      }
      out[s.name] = s.type === 'integer' || s.type === 'number' || s.type === 'reference' ? Number(raw) : s.type === 'boolean' ? raw === 'yes' : raw;
    }
    try {
      const row = await rtcw().createCohortRecord({ entity: props.entity, values: out, label: `add ${ENTITY_LABEL[props.entity]}` });
      props.onAdded(row);
    } catch (e) {
      setError(showError(e));
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-label={`Add ${ENTITY_LABEL[props.entity]}`}>
      <h2>Add {ENTITY_LABEL[props.entity]}</h2>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      <div className="fields">
        {specs.map((s) => {
          const id = `${baseId}-${s.name}`;
          const set = (v: string) => setValues((m) => ({ ...m, [s.name]: v }));
          let control;
          if (s.type === 'reference') {
            const options =
              s.references === 'patient'
                ? props.patients.map((p) => ({ value: String(p.id), label: String(p.pseudonym) }))
                : props.lesions
                    .filter((l) => !values.patientId || String(l.patientId) === values.patientId)
                    .map((l) => ({ value: String(l.id), label: props.lesionName.get(l.id) ?? String(l.id) }));
            control = (
              <select id={id} value={values[s.name] ?? ''} onChange={(e) => set(e.target.value)} required={s.required}>
                <option value="">{s.required ? 'Choose…' : '— none —'}</option>
                {options.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            );
          } else if (s.type === 'enum') {
            control = (
              <select id={id} value={values[s.name] ?? ''} onChange={(e) => set(e.target.value)} required={s.required}>
                <option value="">Choose…</option>
                {s.values?.map((v) => (
                  <option key={v} value={v}>
                    {v.replace(/_/g, ' ')}
                  </option>
                ))}
              </select>
            );
          } else {
            control = (
              <input
                id={id}
                type={s.type === 'date' ? 'date' : 'text'}
                inputMode={s.type === 'integer' || s.type === 'number' ? 'decimal' : undefined}
                value={values[s.name] ?? ''}
                onChange={(e) => set(e.target.value)}
                required={s.required}
                placeholder={s.type === 'levels' ? 'e.g. T11-L1' : undefined}
              />
            );
          }
          return (
            <div className="field" key={s.name}>
              <label htmlFor={id}>{capitalise(s.label)}</label>
              {control}
            </div>
          );
        })}
      </div>
      <div className="button-row" style={{ marginTop: 12 }}>
        <button type="submit" className="primary">
          Add
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
