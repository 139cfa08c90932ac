import { table } from "./harness";

const sg = (ingress: string) => `new aws.ec2.SecurityGroup("web", { vpcId: "vpc-1", ingress: [${ingress}] });\n`;
const rule = (args: string) => `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-1", ${args} });\n`;
const legacy = (args: string) => `new aws.ec2.SecurityGroupRule("r", { securityGroupId: "sg-1", ${args} });\n`;
const msg = (port: number, why: string) => `Ingress admits TCP port ${port} (SSH) from ${why}. Allow only office addresses (config adminCidrs) or close SSH and use SSM Session Manager.`;

describe("policy ssh-restricted", () => {
    table("ssh-restricted", [
        { what: "inline ingress, TCP 22 from 0.0.0.0/0", program: sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }`), expect: [msg(22, "0.0.0.0/0, which is wider than /24")] },
        { what: "inline ingress, TCP 0-65535 from 0.0.0.0/0", program: sg(`{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }`), expect: [msg(22, "0.0.0.0/0, which is wider than /24")] },
        { what: "inline ingress, protocol -1", program: sg(`{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }`), expect: [msg(22, "0.0.0.0/0, which is wider than /24")] },
        { what: "inline ingress, protocol all", program: sg(`{ protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }`), expect: [msg(22, "0.0.0.0/0, which is wider than /24")] },
        { what: "inline ingress, protocol 6 (TCP by number) from a range containing 22", program: sg(`{ protocol: "6", fromPort: 20, toPort: 30, cidrBlocks: ["198.51.100.0/24", "10.0.0.0/8"] }`), expect: [msg(22, "10.0.0.0/8, which is wider than /24")] },
        { what: "inline ingress, IPv6 ::/0", program: sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }`), expect: [msg(22, "::/0, which is wider than /64")] },
        { what: "SecurityGroupRule of type ingress", program: legacy(`type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"]`), expect: [msg(22, "0.0.0.0/0, which is wider than /24")] },
        { what: "SecurityGroupRule, protocol -1, IPv6", program: legacy(`type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["2001:db8::/32"]`), expect: [msg(22, "2001:db8::/32, which is wider than /64")] },
        { what: "vpc.SecurityGroupIngressRule, IPv4", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0"`), expect: [msg(22, "0.0.0.0/0, which is wider than /24")] },
        { what: "vpc.SecurityGroupIngressRule, all protocols, IPv6", program: rule(`ipProtocol: "-1", cidrIpv6: "::/0"`), expect: [msg(22, "::/0, which is wider than /64")] },
        {
            what: "the 0.0.0.0/1 + 128.0.0.0/1 trick",
            program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/1"`) + `new aws.vpc.SecurityGroupIngressRule("r2", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "128.0.0.0/1" });\n`,
            expect: [msg(22, "0.0.0.0/1, which is wider than /24"), msg(22, "128.0.0.0/1, which is wider than /24")],
        },
        { what: "an extra port from the config", program: rule(`ipProtocol: "tcp", fromPort: 2222, toPort: 2222, cidrIpv4: "0.0.0.0/0"`), config: { "ssh-restricted": { extraPorts: [2222] } }, expect: [msg(2222, "0.0.0.0/0, which is wider than /24")] },
        { what: "a /32 outside the allow-list", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "198.51.100.7/32"`), config: { "ssh-restricted": { allowedCidrs: ["203.0.113.0/24"] } }, expect: [msg(22, "198.51.100.7/32, which is outside the allowed ranges (203.0.113.0/24)")] },
        { what: "a stricter limit: /28 when /29 is the widest allowed", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.0/28"`), config: { "ssh-restricted": { minIpv4Prefix: 29 } }, expect: [msg(22, "203.0.113.0/28, which is wider than /29")] },

        { what: "HTTP and HTTPS open to the world", program: sg(`{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }, { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }`), expect: [] },
        { what: "egress to the world, all three ways", program: `new aws.ec2.SecurityGroup("web", { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] });\nnew aws.vpc.SecurityGroupEgressRule("e", { securityGroupId: "sg-1", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" });\n` + legacy(`type: "egress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"]`), expect: [] },
        { what: "security group to security group", program: `const bastion = new aws.ec2.SecurityGroup("bastion", {});\nnew aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 22, toPort: 22, referencedSecurityGroupId: bastion.id });\nnew aws.ec2.SecurityGroup("app", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, securityGroups: [bastion.id] }] });\n` + legacy(`type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, sourceSecurityGroupId: bastion.id`), expect: [] },
        { what: "SSH from a /32 and an IPv6 /128", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.7/32"`) + sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["2001:db8::7/128"] }`), expect: [] },
        { what: "SSH from inside the allow-list", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.7/32"`), config: { "ssh-restricted": { allowedCidrs: ["203.0.113.0/24"] } }, expect: [] },
        { what: "UDP 22 from the world (not SSH)", program: rule(`ipProtocol: "udp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0"`), expect: [] },
    ]);
});
