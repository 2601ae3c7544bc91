import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { StudyInfo } from '../../shared/api/study';
import { ISO_DISPLAY, type DisplaySetting } from '../../shared/domain/displayFormat';
import { rtcw } from './rtcw';

interface StudyState {
  study: StudyInfo | null;
  /** Set after open/create; pages call refresh() after edits that change counts. */
  setStudy(study: StudyInfo | null): void;
  refresh(): Promise<void>;
  /** Bumped whenever the cohort changes, so pages re-query. */
  revision: number;
  bump(): void;
  /**
   * The open study's date/number setting with the locale the service resolves it to (the exports
   * use the same); ISO when no study is open.
   */
  display: DisplaySetting;
}

const StudyContext = createContext<StudyState | null>(null);

export function StudyProvider({ children }: { children: ReactNode }) {
  const [study, setStudyState] = useState<StudyInfo | null>(null);
  const [revision, setRevision] = useState(0);
  const [display, setDisplay] = useState<DisplaySetting>(ISO_DISPLAY);

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
      setDisplay(ISO_DISPLAY);
      return;
    }
    let live = true;
    void rtcw()
      .getStudySettings({})
      .then((s) => live && setDisplay({ format: s.displayFormat ?? 'iso', locale: s.locale }))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [study, revision]);

  const value = useMemo(
    () => ({ study, setStudy, refresh, revision, bump, display }),
    [study, setStudy, refresh, revision, bump, display],
  );
  return <StudyContext.Provider value={value}>{children}</StudyContext.Provider>;
}

export function useStudy(): StudyState {
  const state = useContext(StudyContext);
  if (!state) throw new Error('useStudy outside StudyProvider');
  return state;
}
