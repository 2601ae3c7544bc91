// dcmjs's standalone data dictionary (the package's "./dictionary" export: a plain object keyed
// "(GGGG,EEEE)", generated from PS3.6). The package ships no type declarations for it.
declare module 'dcmjs/dictionary' {
  export const dictionary: Record<string, { tag: string; vr?: string; name: string; vm: string; version: string }>;
}

// The whole dcmjs package: only test/bench/dicomParse.bench.ts loads it (to compare its parser).
declare module 'dcmjs' {
  const dcmjs: unknown;
  export default dcmjs;
}
