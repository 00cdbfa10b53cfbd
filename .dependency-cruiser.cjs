/**
 * The layers of src/, low to high (docs/ARCHITECTURE.md draws them). A module imports only from
 * its own layer or lower ones; cluster/ and io/ are siblings and never import each other. Type-only
 * imports count too: a cycle through types is still a cycle for whoever reads the code.
 */
const LAYERS = [
  { name: 'leaves', path: '^src/(types|errors|version)\\.ts$' },
  { name: 'model', path: '^src/model/' },
  { name: 'runtime', path: '^src/runtime/' },
  { name: 'cluster', path: '^src/cluster/', rank: 3 },
  { name: 'io', path: '^src/io/', rank: 3 },
  { name: 'pipeline', path: '^src/pipeline/' },
  { name: 'report', path: '^src/report/' },
  { name: 'batch', path: '^src/batch/' },
  { name: 'split', path: '^src/split/' },
  { name: 'scheduler', path: '^src/scheduler/' },
  { name: 'cli', path: '^src/cli/' },
  { name: 'api', path: '^src/(index\\.ts$|stages/)' },
];

let rank = 0;
for (const layer of LAYERS) {
  layer.rank ??= rank + 1;
  rank = layer.rank;
}

const backEdges = LAYERS.flatMap((from) =>
  LAYERS.filter((to) => to.rank > from.rank).map((to) => ({
    name: `${from.name}-not-to-${to.name}`,
    comment: `${from.name} is below ${to.name}: a lower layer never imports a higher one`,
    severity: 'error',
    from: { path: from.path },
    to: { path: to.path },
  })),
);

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'no import cycles at all, type-only imports included',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'cluster-and-io-are-siblings',
      comment:
        'colour maths and file formats know nothing of each other; shared data lives in model/',
      severity: 'error',
      from: { path: '^src/cluster/' },
      to: { path: '^src/io/' },
    },
    {
      name: 'io-and-cluster-are-siblings',
      comment:
        'colour maths and file formats know nothing of each other; shared data lives in model/',
      severity: 'error',
      from: { path: '^src/io/' },
      to: { path: '^src/cluster/' },
    },
    {
      name: 'root-holds-leaves-only',
      comment: 'src/ holds types, errors, version and index.ts; everything else lives in a layer',
      severity: 'error',
      from: {},
      to: { path: '^src/[^/]+\\.ts$', pathNot: '^src/(types|errors|version|index)\\.ts$' },
    },
    {
      name: 'src-never-reaches-dist',
      comment: 'source code runs from source or from its own build, never from another build',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^dist/' },
    },
    ...backEdges,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
