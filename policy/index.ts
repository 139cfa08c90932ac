// Entry point of the policy pack: `pulumi preview --policy-pack policy` loads this file.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, POLICIES } from "./pack";

new PolicyPack(PACK_NAME, { policies: POLICIES });
