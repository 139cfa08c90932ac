// The pack's contents without constructing it: constructing a PolicyPack starts its gRPC server,
// so only index.ts (the entry the CLI loads) does that. The pack, not the rules, sets the levels.
import { Policy } from "@pulumi/policy";
import { costGuard } from "./rules/cost-guard";
import { dbBackupRetention } from "./rules/db-backup-retention";
import { httpsListener } from "./rules/https-listener";
import { imdsv2Required } from "./rules/imdsv2-required";
import { noPlaintextSecrets } from "./rules/no-plaintext-secrets";
import { noPublicDatabase } from "./rules/no-public-database";
import { requiredTags } from "./rules/required-tags";
import { s3PublicAccessBlocked } from "./rules/s3-public-access-blocked";
import { sshRestricted } from "./rules/ssh-restricted";
import { storageEncrypted } from "./rules/storage-encrypted";
import { widePrivateIngress } from "./rules/wide-private-ingress";

export const PACK_NAME = "webapp-guardrails";

/** The guard rails users never want off: they block in every stack. */
const MANDATORY: Policy[] = [sshRestricted, noPublicDatabase];

/** Hardening: advisory by default, mandatory where policy/config/prod.json (or the stack's config) says so. */
const HARDENING: Policy[] = [imdsv2Required, storageEncrypted, s3PublicAccessBlocked, dbBackupRetention, requiredTags, costGuard, noPlaintextSecrets, httpsListener];

/** Advice that never blocks, in any stack: private ranges are not the internet. */
const ADVICE: Policy[] = [widePrivateIngress];

export const POLICIES: Policy[] = [
    ...MANDATORY.map((p) => ({ ...p, enforcementLevel: "mandatory" as const })),
    ...[...HARDENING, ...ADVICE].map((p) => ({ ...p, enforcementLevel: "advisory" as const })),
];
