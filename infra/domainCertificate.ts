import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { named, Tags } from "./tags";

export interface DomainCertificateArgs {
    /** The DNS name the load balancer answers to, e.g. app.example.com. */
    domain: string;
    /** A Route 53 public hosted zone for the domain: the validation records are written there. */
    hostedZoneId?: string;
    tags: Tags;
}

/**
 * A free public ACM certificate, DNS-validated. The listener takes the validation's ARN, not the certificate's:
 * ELB refuses a certificate that is not yet issued, and CertificateValidation waits until ACM issues it.
 * Without a zone, the user adds the CNAME shown in `validationRecord` and the update waits for it (ACM's default, 75 minutes).
 */
export class DomainCertificate extends pulumi.ComponentResource {
    /** The issued certificate's ARN: known only once ACM has validated it. */
    public readonly certificateArn: pulumi.Output<string>;
    /** The CNAME ACM checks: "name CNAME value". */
    public readonly validationRecord: pulumi.Output<string>;

    constructor(name: string, args: DomainCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("webapp:infra:DomainCertificate", name, {}, opts);
        const parent = { parent: this };

        const cert = new aws.acm.Certificate(name, {
            domainName: args.domain,
            validationMethod: "DNS",
            tags: named(args.tags, name),
        }, parent);
        // One domain, so one validation option.
        const option = cert.domainValidationOptions.apply((o) => o[0]);
        this.validationRecord = pulumi.interpolate`${option.resourceRecordName} ${option.resourceRecordType} ${option.resourceRecordValue}`;

        const record = args.hostedZoneId
            ? new aws.route53.Record(`${name}-validation`, {
                zoneId: args.hostedZoneId,
                name: option.resourceRecordName,
                type: option.resourceRecordType,
                records: [option.resourceRecordValue],
                ttl: 60,
                // A re-created certificate may get the same CNAME: overwrite rather than fail.
                allowOverwrite: true,
            }, parent)
            : undefined;

        const validation = new aws.acm.CertificateValidation(`${name}-validation`, {
            certificateArn: cert.arn,
            ...(record ? { validationRecordFqdns: [record.fqdn] } : {}),
        }, parent);

        this.certificateArn = validation.certificateArn;
        this.registerOutputs({ certificateArn: this.certificateArn, validationRecord: this.validationRecord });
    }
}
