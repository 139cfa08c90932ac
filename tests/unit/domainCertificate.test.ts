import { strict as assert } from "assert";
import { PlannedResource } from "../../plan/run";
import { ofType, one, planStack, T } from "../helpers/plan";

type Props = Record<string, unknown>;
const props = (r: PlannedResource) => r.props as Props;
const CERT = "aws:acm/certificate:Certificate";
const VALIDATION = "aws:acm/certificateValidation:CertificateValidation";
const RECORD = "aws:route53/record:Record";
const ZONE = "Z0123456789EXAMPLE0";
const https = (run: Awaited<ReturnType<typeof planStack>>) => one(run, T.listener, "-https");

describe("HTTPS at stages 3-4 (domain, hostedZoneId, certificateArn)", () => {
    it("domain + zone: a DNS-validated certificate, its CNAME in the zone, the 443 listener on the validation, an alias A record", async () => {
        const run = await planStack({ stage: "autoscaling", domain: "app.example.com", hostedZoneId: ZONE });
        assert.deepEqual([props(one(run, CERT)).domainName, props(one(run, CERT)).validationMethod], ["app.example.com", "DNS"]);
        const cname = one(run, RECORD, "-cert-validation");
        assert.equal(props(cname).type, "CNAME");
        assert.equal(props(cname).zoneId, ZONE);
        // The record comes from the certificate's domainValidationOptions (acm.Certificate d.ts: resourceRecordName/Type/Value).
        assert.match(String(props(cname).name), /\.app\.example\.com\.$/);
        // acm.CertificateValidation d.ts: validationRecordFqdns lets the provider check the records it waits for.
        const validation = one(run, VALIDATION);
        assert.deepEqual(props(validation).validationRecordFqdns, [cname.outputs!.fqdn]);
        // ELB refuses a certificate that is not issued: the listener takes the ARN from the validation, so it waits for it.
        assert.ok(https(run).dependencies?.includes(validation.urn));
        const alias = one(run, RECORD, "-alias");
        assert.deepEqual([props(alias).name, props(alias).type, props(alias).zoneId], ["app.example.com", "A", ZONE]);
        assert.equal(((props(alias).aliases as Props[])[0]).name, one(run, T.alb).outputs!.dnsName);
        assert.deepEqual(ofType(run, T.listener).map((l) => [props(l).port, (props(l).defaultActions as Props[])[0].type]), [[80, "redirect"], [443, "forward"]]);
        assert.equal(run.outputs.url, "https://app.example.com");
        assert.equal(run.outputs.certificateValidation, undefined);
    });

    it("domain without a zone: the certificate and its validation wait, and the CNAME to add is a stack output", async () => {
        const run = await planStack({ stage: "alb", domain: "app.example.com" });
        const validation = one(run, VALIDATION);
        assert.equal(props(validation).validationRecordFqdns, undefined);
        assert.deepEqual(ofType(run, RECORD), []);
        assert.ok(https(run).dependencies?.includes(validation.urn));
        assert.match(String(run.outputs.certificateValidation), /^_\w+\.app\.example\.com\. CNAME _\w+\.acm-validations\.aws\.$/);
    });

    it("certificateArn wins over domain: no certificate is created, the alias record still is", async () => {
        const arn = "arn:aws:acm:ap-northeast-2:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
        const run = await planStack({ stage: "alb", certificateArn: arn, domain: "app.example.com", hostedZoneId: ZONE });
        assert.deepEqual([...ofType(run, CERT), ...ofType(run, VALIDATION)], []);
        assert.equal(props(https(run)).certificateArn, arn);
        assert.deepEqual(ofType(run, RECORD).map((r) => props(r).type), ["A"]);
    });

    it("domain at stages 1-2 creates nothing here (no load balancer)", async () => {
        const run = await planStack({ stage: "private-db", domain: "app.example.com", hostedZoneId: ZONE });
        assert.deepEqual([...ofType(run, CERT), ...ofType(run, RECORD)], []);
    });
});
