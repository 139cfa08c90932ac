import { table } from "./harness";

const sg = (ingress: string) => `new aws.ec2.SecurityGroup("web", { vpcId: "vpc-1", ingress: [${ingress}] });\n`;
const rule = (args: string) => `new aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-1", ${args} });\n`;
const legacy = (args: string) => `new aws.ec2.SecurityGroupRule("r", { securityGroupId: "sg-1", ${args} });\n`;
const ADVICE = "Allow SSH only from narrow address ranges or security groups you own, or close it and use SSM Session Manager.";
const WORLD = "0.0.0.0/0, the whole internet";
/** The expected message: who is admitted, to which SSH ports, through which entries as written. */
const msg = (subject: string, source: string, entries: string, ports = "port 22") => `${subject} admits ${source}, to SSH (${ports}) through ${entries}. ${ADVICE}`;
const web = (source: string, entries: string, ports?: string) => msg("Security group web", source, entries, ports);
const vpcRule = (source: string, entries: string, ports?: string) => msg("Security group ingress rule r", source, entries, ports);
const lightsail = `const vm = new aws.lightsail.Instance("vm", { availabilityZone: "us-east-1a", blueprintId: "amazon_linux_2023", bundleId: "nano_3_0" });\n`;
const nodeGroup = (remoteAccess: string) => `new aws.eks.NodeGroup("ng", { clusterName: "c", nodeRoleArn: "arn:aws:iam::1:role/n", subnetIds: ["subnet-1"], scalingConfig: { desiredSize: 1, maxSize: 1, minSize: 1 }${remoteAccess} });\n`;
const beanstalk = (settings: string) => `new aws.elasticbeanstalk.Environment("env", { application: "app", solutionStackName: "64bit Amazon Linux 2023 v6.1.0 running Node.js 20", settings: [{ namespace: "aws:autoscaling:launchconfiguration", name: "EC2KeyName", value: "deployer" }${settings}] });\n`;
const sshdUserData = "#!/bin/bash\\nsed -i 's/^#Port 22/Port 2222/' /etc/ssh/sshd_config\\nsystemctl restart sshd\\n";
const prefixList = (cidrs: string[]) => `const pl = new aws.ec2.ManagedPrefixList("office", { addressFamily: "IPv4", maxEntries: 5, entries: [${cidrs.map((c) => `{ cidr: "${c}" }`).join(", ")}] });\n`;

describe("policy ssh-restricted", () => {
    table("ssh-restricted", [
        // Security groups and their rules, every way of writing protocol and ports.
        { what: "inline ingress, TCP 22 from 0.0.0.0/0", program: sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }`), expect: [web(WORLD, "ingress tcp 22")] },
        { what: "inline ingress, TCP 0-65535 from 0.0.0.0/0", program: sg(`{ protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }`), expect: [web(WORLD, "ingress tcp 0-65535")] },
        { what: "inline ingress, protocol -1", program: sg(`{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }`), expect: [web(WORLD, "ingress all traffic (protocol -1)")] },
        { what: "inline ingress, protocol all", program: sg(`{ protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }`), expect: [web(WORLD, "ingress all traffic (protocol all)")] },
        { what: "inline ingress, protocol 6 (TCP by number) from a wide public range", program: sg(`{ protocol: "6", fromPort: 20, toPort: 30, cidrBlocks: ["198.51.100.0/24", "198.51.0.0/16"] }`), expect: [web("198.51.0.0/16, a public range wider than /24", "ingress protocol 6 20-30")] },
        { what: "inline ingress, IPv6 ::/0", program: sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["::/0"] }`), expect: [web("::/0, the whole internet", "ingress tcp 22")] },
        { what: "inline ingress, an IPv6 /40 (wider than a site's /48)", program: sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["2001:db8::/40"] }`), expect: [web("2001:db8::/40, a public range wider than /48", "ingress tcp 22")] },
        {
            what: "one message per group and source: two entries and an extra port from the same source",
            program: sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }, { protocol: "tcp", fromPort: 2222, toPort: 2222, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }`),
            config: { "ssh-restricted": { extraPorts: [2222] } },
            expect: [web(WORLD, "ingress tcp 22 and ingress tcp 2222", "ports 22 and 2222"), web("::/0, the whole internet", "ingress tcp 2222", "port 2222")],
        },
        { what: "DefaultSecurityGroup with SSH from the world", program: `new aws.ec2.DefaultSecurityGroup("default", { vpcId: "vpc-1", ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });`, expect: [msg("Default security group default", WORLD, "ingress tcp 22")] },
        { what: "SecurityGroupRule of type ingress", program: legacy(`type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"]`), expect: [msg("Security group rule r", WORLD, "ingress tcp 22")] },
        { what: "SecurityGroupRule, protocol -1, IPv6", program: legacy(`type: "ingress", protocol: "-1", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["2001:db8::/32"]`), expect: [msg("Security group rule r", "2001:db8::/32, a public range wider than /48", "ingress all traffic (protocol -1)")] },
        { what: "vpc.SecurityGroupIngressRule, IPv4", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0"`), expect: [vpcRule(WORLD, "ingress tcp 22")] },
        { what: "vpc.SecurityGroupIngressRule, all protocols, IPv6", program: rule(`ipProtocol: "-1", cidrIpv6: "::/0"`), expect: [vpcRule("::/0, the whole internet", "ingress all traffic (protocol -1)")] },
        {
            what: "the 0.0.0.0/1 + 128.0.0.0/1 trick",
            program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/1"`) + `new aws.vpc.SecurityGroupIngressRule("r2", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "128.0.0.0/1" });\n`,
            expect: [vpcRule("0.0.0.0/1, a public range wider than /24", "ingress tcp 22"), msg("Security group ingress rule r2", "128.0.0.0/1, a public range wider than /24", "ingress tcp 22")],
        },
        { what: "an extra port from the config", program: rule(`ipProtocol: "tcp", fromPort: 2222, toPort: 2222, cidrIpv4: "0.0.0.0/0"`), config: { "ssh-restricted": { extraPorts: [2222] } }, expect: [vpcRule(WORLD, "ingress tcp 2222", "port 2222")] },
        { what: "a public /32 outside the allow-list", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "198.51.100.7/32"`), config: { "ssh-restricted": { allowedCidrs: ["203.0.113.0/24"] } }, expect: [vpcRule("198.51.100.7/32, which is outside the allowed ranges (203.0.113.0/24)", "ingress tcp 22")] },
        { what: "a stricter limit: /28 when /29 is the widest allowed", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.0/28"`), config: { "ssh-restricted": { minIpv4Prefix: 29 } }, expect: [vpcRule("203.0.113.0/28, a public range wider than /29", "ingress tcp 22")] },
        { what: "a stricter IPv6 limit: /48 when /56 is the widest allowed", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv6: "2001:db8:1::/48"`), config: { "ssh-restricted": { minIpv6Prefix: 56 } }, expect: [vpcRule("2001:db8:1::/48, a public range wider than /56", "ingress tcp 22")] },

        // Managed prefix lists of the program's own, inline entries or entry resources.
        { what: "an inline ingress naming a prefix list that holds 0.0.0.0/0", program: prefixList(["203.0.113.7/32", "0.0.0.0/0"]) + sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, prefixListIds: [pl.id] }`), expect: [web("0.0.0.0/0 (in prefix list office), the whole internet", "ingress tcp 22")] },
        {
            what: "a vpc rule naming a prefix list whose world entry is a ManagedPrefixListEntry",
            program: prefixList([]) + `new aws.ec2.ManagedPrefixListEntry("anyone", { prefixListId: pl.id, cidr: "0.0.0.0/0" });\n` + rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, prefixListId: pl.id`),
            expect: [vpcRule("0.0.0.0/0 (in prefix list office), the whole internet", "ingress tcp 22")],
        },
        { what: "a SecurityGroupRule naming a prefix list with a wide public range", program: prefixList(["198.51.0.0/16"]) + legacy(`type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, prefixListIds: [pl.id]`), expect: [msg("Security group rule r", "198.51.0.0/16 (in prefix list office), a public range wider than /24", "ingress tcp 22")] },

        // Other services that open SSH by themselves.
        { what: "an EKS node group with remoteAccess and no source security groups", program: nodeGroup(`, remoteAccess: { ec2SshKey: "deployer" }`), expect: [msg("EKS node group ng", "0.0.0.0/0 (AWS's default), the whole internet", "remoteAccess without sourceSecurityGroupIds")] },
        { what: "Lightsail public ports: SSH from 0.0.0.0/0", program: lightsail + `new aws.lightsail.InstancePublicPorts("ports", { instanceName: vm.name, portInfos: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["0.0.0.0/0"] }] });`, expect: [msg("Lightsail public ports ports", WORLD, "port info tcp 22")] },
        { what: "Lightsail public ports: SSH with no cidrs (Lightsail admits anyone)", program: lightsail + `new aws.lightsail.InstancePublicPorts("ports", { instanceName: vm.name, portInfos: [{ protocol: "tcp", fromPort: 80, toPort: 80 }, { protocol: "all", fromPort: 0, toPort: 65535 }] });`, expect: [msg("Lightsail public ports ports", "0.0.0.0/0 (Lightsail's default when cidrs is empty), the whole internet", "port info all traffic (protocol all)")] },
        { what: "Lightsail public ports: a bare address outside the allow-list", program: lightsail + `new aws.lightsail.InstancePublicPorts("ports", { instanceName: vm.name, portInfos: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["198.51.100.7"] }] });`, config: { "ssh-restricted": { allowedCidrs: ["203.0.113.0/24"] } }, expect: [msg("Lightsail public ports ports", "198.51.100.7/32, which is outside the allowed ranges (203.0.113.0/24)", "port info tcp 22")] },
        { what: "a Lightsail instance left on its default firewall (22 open to all)", program: lightsail, expect: [msg("Lightsail instance vm", "0.0.0.0/0, the whole internet", "Lightsail's default firewall (no InstancePublicPorts for this instance)")] },
        { what: "an Elastic Beanstalk environment with a key pair and no SSH restriction", program: beanstalk(""), expect: [msg("Elastic Beanstalk environment env", "0.0.0.0/0 (Beanstalk's default), the whole internet", "EC2KeyName without SSHSourceRestriction")] },
        { what: "an Elastic Beanstalk SSHSourceRestriction to the world", program: beanstalk(`, { namespace: "aws:autoscaling:launchconfiguration", name: "SSHSourceRestriction", value: "tcp, 22, 22, 0.0.0.0/0" }`), expect: [msg("Elastic Beanstalk environment env", WORLD, "SSHSourceRestriction tcp 22")] },

        // SSH on another port, as the program's own sshd_config says.
        {
            what: "sshd moved to 2222 in an instance's user data, 2222 open to the world",
            program: `new aws.ec2.Instance("box", { ami: "ami-1", instanceType: "t3.micro", userData: "${sshdUserData}" });\n` + rule(`ipProtocol: "tcp", fromPort: 2222, toPort: 2222, cidrIpv4: "0.0.0.0/0"`),
            expect: [vpcRule(WORLD, "ingress tcp 2222", "port 2222")],
        },
        {
            what: "sshd moved to 2200 in a launch template's base64 user data",
            program: `new aws.ec2.LaunchTemplate("lt", { imageId: "ami-1", userData: Buffer.from("#cloud-config\\nwrite_files:\\n  - path: /etc/ssh/sshd_config.d/port.conf\\n    content: |\\n      Port 2200\\n").toString("base64") });\n` + sg(`{ protocol: "tcp", fromPort: 2000, toPort: 2300, cidrBlocks: ["0.0.0.0/0"] }`),
            expect: [web(WORLD, "ingress tcp 2000-2300", "port 2200")],
        },

        {
            what: "sshd moved to 2022 in a launch configuration's user data",
            program: `new aws.ec2.LaunchConfiguration("lc", { imageId: "ami-1", instanceType: "t3.micro", userData: "#!/bin/bash\\necho 'Port 2022' >> /etc/ssh/sshd_config\\n" });\n` + rule(`ipProtocol: "tcp", fromPort: 2022, toPort: 2022, cidrIpv4: "0.0.0.0/0"`),
            expect: [vpcRule(WORLD, "ingress tcp 2022", "port 2022")],
        },

        {
            what: "sshd ports written with printf's \\n escape, the second one open to the world",
            program: `new aws.ec2.Instance("box", { ami: "ami-1", instanceType: "t3.micro", userData: "#!/bin/bash\\nprintf 'Port 22\\\\nPort 2200\\\\n' > /etc/ssh/sshd_config.d/10-ports.conf\\n" });\n` + rule(`ipProtocol: "tcp", fromPort: 2200, toPort: 2200, cidrIpv4: "0.0.0.0/0"`),
            expect: [vpcRule(WORLD, "ingress tcp 2200", "port 2200")],
        },

        // Near misses: must stay clean.
        { what: "HTTP and HTTPS open to the world", program: sg(`{ protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }, { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }`), expect: [] },
        { what: "egress to the world, all three ways", program: `new aws.ec2.SecurityGroup("web", { egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] });\nnew aws.vpc.SecurityGroupEgressRule("e", { securityGroupId: "sg-1", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" });\n` + legacy(`type: "egress", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"]`), expect: [] },
        { what: "security group to security group", program: `const bastion = new aws.ec2.SecurityGroup("bastion", {});\nnew aws.vpc.SecurityGroupIngressRule("r", { securityGroupId: "sg-1", ipProtocol: "tcp", fromPort: 22, toPort: 22, referencedSecurityGroupId: bastion.id });\nnew aws.ec2.SecurityGroup("app", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, securityGroups: [bastion.id] }] });\n` + legacy(`type: "ingress", protocol: "tcp", fromPort: 22, toPort: 22, sourceSecurityGroupId: bastion.id`), expect: [] },
        { what: "SSH from a /32, an IPv6 /128 and an office's IPv6 /48", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.7/32"`) + sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, ipv6CidrBlocks: ["2001:db8::7/128", "2001:db8:1::/48"] }`), expect: [] },
        { what: "SSH from private ranges: RFC 1918, 100.64.0.0/10, link-local, fc00::/7, fe80::/10", program: sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"], ipv6CidrBlocks: ["fc00::/7", "fe80::/10"] }`), expect: [] },
        { what: "SSH from a private range outside the allow-list (private never blocks)", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.1.0.0/16"`), config: { "ssh-restricted": { allowedCidrs: ["203.0.113.0/24"] } }, expect: [] },
        { what: "DefaultSecurityGroup with SSH from itself and from a /32", program: `new aws.ec2.DefaultSecurityGroup("default", { vpcId: "vpc-1", ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, self: true }, { protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["203.0.113.7/32"] }] });`, expect: [] },
        { what: "SSH from inside the allow-list", program: rule(`ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "203.0.113.7/32"`), config: { "ssh-restricted": { allowedCidrs: ["203.0.113.0/24"] } }, expect: [] },
        { what: "UDP 22 from the world (not SSH)", program: rule(`ipProtocol: "udp", fromPort: 22, toPort: 22, cidrIpv4: "0.0.0.0/0"`), expect: [] },
        { what: "a prefix list of office addresses", program: prefixList(["203.0.113.7/32", "10.0.0.0/8"]) + sg(`{ protocol: "tcp", fromPort: 22, toPort: 22, prefixListIds: [pl.id] }`), expect: [] },
        { what: "a world prefix list used for HTTPS only", program: prefixList(["0.0.0.0/0"]) + rule(`ipProtocol: "tcp", fromPort: 443, toPort: 443, prefixListId: pl.id`), expect: [] },
        { what: "an EKS node group whose remoteAccess names source security groups", program: `const admin = new aws.ec2.SecurityGroup("admin", {});\n` + nodeGroup(`, remoteAccess: { ec2SshKey: "deployer", sourceSecurityGroupIds: [admin.id] }`), expect: [] },
        { what: "an EKS node group without remoteAccess", program: nodeGroup(""), expect: [] },
        // EKS API, RemoteAccessConfig: the port is opened to 0.0.0.0/0 only "if you specify an Amazon EC2 SSH key but don't specify a source security group".
        { what: "an EKS node group whose remoteAccess has no key (a key name left to unset config)", program: nodeGroup(`, remoteAccess: { ec2SshKey: undefined }`), expect: [] },
        { what: "Lightsail public ports: SSH from a /32 and the console's alias (by literal instance name)", program: `new aws.lightsail.Instance("vm", { name: "vm-1", availabilityZone: "us-east-1a", blueprintId: "amazon_linux_2023", bundleId: "nano_3_0" });\nnew aws.lightsail.InstancePublicPorts("ports", { instanceName: "vm-1", portInfos: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["203.0.113.7/32"] }, { protocol: "tcp", fromPort: 22, toPort: 22, cidrListAliases: ["lightsail-connect"] }, { protocol: "tcp", fromPort: 443, toPort: 443 }] });`, expect: [] },
        // Lightsail API, PortInfo.cidrs: "To allow the IP address 192.0.2.44, specify 192.0.2.44 or 192.0.2.44/32."
        { what: "Lightsail public ports: SSH from a bare address, as Lightsail allows", program: lightsail + `new aws.lightsail.InstancePublicPorts("ports", { instanceName: vm.name, portInfos: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrs: ["203.0.113.7"], ipv6Cidrs: ["2001:db8::7"] }] });`, expect: [] },
        { what: "an Elastic Beanstalk environment with SSH restricted to a /32", program: beanstalk(`, { namespace: "aws:autoscaling:launchconfiguration", name: "SSHSourceRestriction", value: "tcp, 22, 22, 203.0.113.7/32" }`), expect: [] },
        { what: "sshd on 2222 but 2222 open only to a /32", program: `new aws.ec2.Instance("box", { ami: "ami-1", instanceType: "t3.micro", userData: "${sshdUserData}" });\n` + rule(`ipProtocol: "tcp", fromPort: 2222, toPort: 2222, cidrIpv4: "203.0.113.7/32"`), expect: [] },
        { what: "a Port line that is not sshd's (an app config), 8080 open to the world", program: `new aws.ec2.Instance("box", { ami: "ami-1", instanceType: "t3.micro", userData: "#!/bin/bash\\necho 'Port 8080' > /etc/app.conf\\n" });\n` + rule(`ipProtocol: "tcp", fromPort: 8080, toPort: 8080, cidrIpv4: "0.0.0.0/0"`), expect: [] },
    ]);
});
