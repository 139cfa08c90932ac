// The offline engine's records under the names the product uses (the renderers, cost, diagram and the
// tests read runs through here); the engine itself lives in offline-engine/ and knows no stack of ours.
export { isSecret, maskSecrets } from "../offline-engine/wire";
export { ProgramError, runProgram } from "../offline-engine/program";
export type { ProgramRun } from "../offline-engine/program";
export type { RegisteredResource as PlannedResource } from "../offline-engine/monitor";
