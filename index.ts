// Pulumi entry point: read and validate the stack config, then build the stage it asks for.
import { composeStack } from "./stacks/compose";
import { loadStackConfig } from "./stacks/config";

export = composeStack(loadStackConfig());
