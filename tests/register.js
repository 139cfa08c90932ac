// ts-node for mocha: transpile-only with SWC, for speed (`tsc --noEmit` type-checks once). Set here and
// not in tsconfig.json: the Pulumi CLI's launchers (cmd/run, cmd/run-policy-pack) read tsconfig.json and
// type-check, and ts-node refuses SWC unless it only transpiles.
require("ts-node").register({ swc: true });
