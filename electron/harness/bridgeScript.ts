// The script the harness serves as /__rtcw/bridge.js: it defines window.rtcw with the same shape
// as the Electron preload (one function per contract method, cancel, onStudyChanged), talking to
// the harness over fetch. Plain ES2020 in a string, because it runs in the page as-is.
import type { MethodRecord } from '../../shared/api/contract';

export function bridgeScript(token: string, record: MethodRecord): string {
  const methods = Object.entries(record).map(([name, definition]) => [name, definition.long] as const);
  return `'use strict';
(() => {
  const TOKEN = ${JSON.stringify(token)};
  const METHODS = ${JSON.stringify(methods)};
  const headers = { 'content-type': 'application/json', 'x-rtcw-token': TOKEN };
  const fail = (code, message) => new Error('[' + code + '] ' + message);

  async function call(name, long, input, options) {
    const jobId = long ? (options && options.jobId) || crypto.randomUUID() : undefined;
    let response;
    try {
      response = await fetch('/__rtcw/api/' + name, {
        method: 'POST', headers, body: JSON.stringify({ input: input === undefined ? {} : input, jobId }),
      });
    } catch (error) {
      throw fail('IO_ERROR', 'The harness is not reachable: ' + (error && error.message));
    }
    if (!response.ok || !response.body) throw fail('FORBIDDEN', 'The harness refused the call (HTTP ' + response.status + ').');
    // NDJSON: zero or more {type:'progress'} lines, then one {type:'result'} line.
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      buffered += decoder.decode(value || new Uint8Array(), { stream: !done });
      let newline;
      while ((newline = buffered.indexOf('\\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        const message = JSON.parse(line);
        if (message.type === 'progress') {
          if (options && typeof options.onProgress === 'function') options.onProgress(message.progress);
        } else if (message.type === 'result') {
          const envelope = message.response;
          if (envelope.ok) return envelope.result;
          throw fail(envelope.error.code, envelope.error.message);
        }
      }
      if (done) throw fail('INTERNAL', 'The harness closed the response without a result.');
    }
  }

  const rtcw = {};
  for (const [name, long] of METHODS) {
    rtcw[name] = long
      ? (input, options) => call(name, true, input, options)
      : (input) => call(name, false, input);
  }
  rtcw.cancel = async (jobId) => {
    await fetch('/__rtcw/cancel', { method: 'POST', headers, body: JSON.stringify({ jobId }) });
  };
  const listeners = new Set();
  let events = null;
  rtcw.onStudyChanged = (listener) => {
    listeners.add(listener);
    if (!events) {
      events = new EventSource('/__rtcw/events');
      events.addEventListener('studyChanged', () => { for (const l of listeners) l(); });
    }
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && events) { events.close(); events = null; }
    };
  };
  Object.defineProperty(window, 'rtcw', { value: Object.freeze(rtcw), writable: false, configurable: false });
})();
`;
}
