import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { StudyInfo } from '../../shared/api/study';
import type { DisplayFormat } from '../../shared/domain/displayFormat';
import { rtcw } from './rtcw';

interface StudyState {
  study: StudyInfo | null;
  /** Set after open/create; pages call refresh() after edits that change counts. */
  setStudy(study: StudyInfo | null): void;
  refresh(): Promise<void>;
  /** Bumped whenever the cohort changes, so pages re-query. */
  revision: number;
  bump(): void;
  /** The open study's date/number format (study settings); ISO when no study is open. */
  displayFormat: DisplayFormat;
}

const StudyContext = createContext<StudyState | null>(null);

export function StudyProvider({ children }: { children: ReactNode }) {
  const [study, setStudyState] = useState<StudyInfo | null>(null);
  const [revision, setRevision] = useState(0);
  const [displayFormat, setDisplayFormat] = useState<DisplayFormat>('iso');

  const refresh = useCallback(async () => {
    try {
      setStudyState(await rtcw().currentStudy({}));
    } catch {
      setStudyState(null);
    }
  }, []);
  const setStudy = useCallback((next: StudyInfo | null) => {
    setStudyState(next);
    setRevision((r) => r + 1);
  }, []);
  const bump = useCallback(() => {
    setRevision((r) => r + 1);
    void refresh();
  }, [refresh]);

  useEffect(() => {
    void refresh();
    // The native menu (desktop) can open/close studies behind the page's back.
    const off = window.rtcw?.onStudyChanged?.(() => {
      setRevision((r) => r + 1);
      void refresh();
    });
    return () => off?.();
  }, [refresh]);

  useEffect(() => {
    if (!study) {
      setDisplayFormat('iso');
      return;
    }
    let live = true;
    void rtcw()
      .getStudySettings({})
      .then((s) => live && setDisplayFormat(s.displayFormat ?? 'iso'))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [study, revision]);

  const value = useMemo(
    () => ({ study, setStudy, refresh, revision, bump, displayFormat }),
    [study, setStudy, refresh, revision, bump, displayFormat],
  );
  return <StudyContext.Provider value={value}>{children}</StudyContext.Provider>;
}

export function useStudy(): StudyState {
  const state = useContext(StudyContext);
  if (!state) throw new Error('useStudy outside StudyProvider');
  return state;
}
