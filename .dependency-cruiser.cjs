// The floors of Stator (docs/architecture.md), held by `npm run lint`:
//
//   faces         src/cli/ src/http/ src/visualize/ src/index.ts src/testing.ts
//   assembly      src/runtime/  (createStator, built-in layers, resource plan)
//   capabilities  src/security/ src/status/ src/cache/ src/database/ src/pool/ src/filesystem/ src/resilience/
//   ground        src/kernel/ src/config/ src/errors/ src/logging/ src/telemetry/ (src/events/: the event log)
//   machines/     pure XState, imports only xstate
//
// A floor imports only from floors below it. A new folder gets its floor here first.
const capabilities = '^src/(cache|database|pool|filesystem|resilience|security|status)/';
const capabilityTargets =
  '^src/(cache|database|pool|filesystem|resilience|security|status|events|runtime|cli|http|visualize)/';
const ground = '^src/(kernel|config|errors|logging|telemetry)/';
const faces = '^src/(runtime|cli|http|visualize)/|^src/(index|testing)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'machines-import-only-xstate',
      comment: 'A machine says what may happen: a pure setup().createMachine() that imports xstate and nothing else.',
      severity: 'error',
      from: { path: '^machines/' },
      to: { pathNot: ['^machines/', '(^|/)node_modules/xstate/'] },
    },
    {
      name: 'ground-imports-no-capability',
      comment:
        'The ground floor (kernel, config, errors, logging) is what every capability stands on: it imports no capability, no assembly and no face.',
      severity: 'error',
      from: { path: ground },
      to: { path: capabilityTargets },
    },
    {
      name: 'ground-imports-no-entry',
      severity: 'error',
      from: { path: ground },
      to: { path: '^src/(index|testing)\\.ts$' },
    },
    {
      name: 'capability-imports-no-assembly-or-face',
      comment: 'A capability never reaches up: not to the assembly (src/runtime), the CLI, HTTP or the public entry.',
      severity: 'error',
      from: { path: capabilities },
      to: { path: faces },
    },
    {
      name: 'no-circular-files',
      comment: 'No import cycle between files.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-circular-folders',
      comment: 'No import cycle between folders.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is a typo or a missing dependency.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'src-not-to-test-or-bench',
      severity: 'error',
      from: { path: '^(src|machines)/' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    skipAnalysisNotInRules: true,
  },
};
