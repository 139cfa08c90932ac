import { table } from "./harness";

const ADVICE = "Narrow the source to the VPC or subnets that need it, or to a security group.";
const msg = (subject: string, source: string, service: string, entries: string) => `${subject} admits ${source}, to ${service} through ${entries}. ${ADVICE}`;
const rule = (args: string) => `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-1", ${args} });\n`;

describe("policy wide-private-ingress", () => {
    table("wide-private-ingress", [
        { what: "SSH from all of 10.0.0.0/8", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/8"`), expect: [msg("Security group ingress rule r", "10.0.0.0/8, a private range wider than /16", "SSH (port 22)", "ingress tcp 22")] },
        { what: "PostgreSQL from fc00::/7", program: rule(`ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv6: "fc00::/7"`), expect: [msg("Security group ingress rule r", "fc00::/7, a private range wider than /48", "database port 5432", "ingress tcp 5432")] },
        {
            what: "all traffic from 172.16.0.0/12: SSH and database ports in one message",
            program: `new aws.ec2.SecurityGroup("sg", { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["172.16.0.0/12"] }] });`,
            expect: [msg("Security group sg", "172.16.0.0/12, a private range wider than /16", "SSH and database ports 22, 1433-1434, 1521, 2483-2484, 3306, 5432-5433 and 20 more", "ingress all traffic (protocol -1)")],
        },
        { what: "a stricter limit from the config: a /20 when /24 is the widest", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.16.0/20"`), config: { "wide-private-ingress": { minIpv4Prefix: 24 } }, expect: [msg("Security group ingress rule r", "10.0.16.0/20, a private range wider than /24", "SSH (port 22)", "ingress tcp 22")] },

        { what: "SSH from the VPC's own /16", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.0.0.0/16"`), expect: [] },
        { what: "HTTP from 10.0.0.0/8 (not SSH or a database)", program: rule(`ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrIpv4: "10.0.0.0/8"`), expect: [] },
        { what: "SSH from the whole internet (ssh-restricted's business, not advice)", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0"`), expect: [] },
    ]);
});
