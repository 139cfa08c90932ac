// The architecture of a planned stack, drawn from its resources: the VPC, its availability zones with
// public and private subnets, hosts or the Auto Scaling group, the load balancer, the database, the
// backup bucket, the alarms, and the path of a request. As Mermaid (renders in GitHub) and Graphviz DOT.
import { maskSecrets, PlannedResource, ProgramRun } from "./run";

type Props = Record<string, unknown>;

interface Node {
    id: string;
    label: string;
    shape: "box" | "db" | "circle";
}

interface Group {
    id: string;
    label: string;
    nodes: Node[];
    groups: Group[];
}

interface Model {
    root: Group;
    outside: Node[];
    edges: { from: string; to: string; label?: string; dashed?: boolean }[];
}

const P = (r: PlannedResource) => maskSecrets(r.props) as Props;

/** Reads the architecture out of the planned resources. */
export function architecture(run: ProgramRun): Model {
    const of = (type: string) => run.resources.filter((r) => r.type === type);
    const byId = new Map(run.resources.map((r) => [r.id, r]));
    const vpc = of("aws:ec2/vpc:Vpc")[0];
    const subnets = of("aws:ec2/subnet:Subnet");
    const instances = of("aws:ec2/instance:Instance");
    const volumes = of("aws:ebs/volume:Volume");
    const alb = of("aws:lb/loadBalancer:LoadBalancer")[0];
    const asg = of("aws:autoscaling/group:Group")[0];
    const lt = of("aws:ec2/launchTemplate:LaunchTemplate")[0];
    const rds = of("aws:rds/instance:Instance")[0];
    const eip = of("aws:ec2/eip:Eip")[0];
    const bucket = of("aws:s3/bucket:Bucket")[0];
    const alarms = of("aws:cloudwatch/metricAlarm:MetricAlarm");
    const slack = run.resources.some((r) => r.type === "aws:lambda/function:Function" || r.type.startsWith("aws:chatbot/"));

    const edges: Model["edges"] = [];
    const outside: Node[] = [{ id: "users", label: "Users", shape: "circle" }];
    const zones = [...new Set(subnets.map((s) => String(P(s).availabilityZone)))].sort();
    const zoneGroups: Group[] = zones.map((z, zi) => ({
        id: `az${zi + 1}`,
        label: z,
        nodes: [],
        groups: subnets.filter((s) => P(s).availabilityZone === z).map((s) => ({
            id: s.name.replace(/[^A-Za-z0-9]/g, "_"),
            label: `${s.name.includes("-private-") ? "private" : "public"} ${P(s).cidrBlock}`,
            nodes: [],
            groups: [],
        })),
    }));
    const subnetGroup = (id: unknown) => {
        const s = byId.get(String(id));
        return s ? zoneGroups.flatMap((z) => z.groups).find((g) => g.id === s.name.replace(/[^A-Za-z0-9]/g, "_")) : undefined;
    };
    const vpcGroup: Group = { id: "vpc", label: vpc ? `VPC ${P(vpc).cidrBlock}` : "VPC", nodes: [], groups: zoneGroups };

    const appTargets: string[] = [];
    instances.forEach((inst, i) => {
        const p = P(inst);
        const dataVolume = volumes[0] && instances.length === 1 ? `<br/>PostgreSQL container, data on EBS ${P(volumes[0]).size} GiB` : "";
        const node: Node = { id: `host${i + 1}`, label: `EC2 ${p.instanceType}<br/>nginx + app containers${dataVolume}`, shape: "box" };
        (subnetGroup(p.subnetId) ?? vpcGroup).nodes.push(node);
        appTargets.push(node.id);
    });
    if (asg) {
        const p = P(asg);
        const node: Node = { id: "asg", label: `Auto Scaling group<br/>${p.minSize}-${p.maxSize} x EC2 ${lt ? P(lt).instanceType : ""}<br/>across ${(p.vpcZoneIdentifiers as string[]).length} AZs`, shape: "box" };
        vpcGroup.nodes.push(node);
        appTargets.push(node.id);
    }
    if (alb) {
        vpcGroup.nodes.push({ id: "alb", label: "Application Load Balancer<br/>public subnets", shape: "box" });
        edges.push({ from: "users", to: "alb", label: "HTTP(S)" });
        for (const t of appTargets) edges.push({ from: "alb", to: t, label: "path rules" });
    } else if (eip) {
        outside.push({ id: "eip", label: `Elastic IP`, shape: "box" });
        edges.push({ from: "users", to: "eip", label: "HTTP" }, ...appTargets.map((t) => ({ from: "eip", to: t })));
    }
    if (rds) {
        const p = P(rds);
        const node: Node = { id: "db", label: `RDS PostgreSQL ${p.engineVersion}<br/>${p.instanceClass}, ${p.allocatedStorage} GiB, encrypted`, shape: "db" };
        const privateGroup = zoneGroups.flatMap((z) => z.groups).find((g) => g.label.startsWith("private"));
        (privateGroup ?? vpcGroup).nodes.push(node);
        for (const t of appTargets) edges.push({ from: t, to: "db", label: "5432" });
    }
    if (bucket) {
        outside.push({ id: "backups", label: "S3 backups<br/>versioned, encrypted, TLS only", shape: "db" });
        for (const t of appTargets) edges.push({ from: t, to: "backups", label: "backups", dashed: true });
    }
    if (alarms.length > 0) {
        outside.push({ id: "cloudwatch", label: `CloudWatch<br/>${alarms.length} alarms, dashboard`, shape: "box" }, { id: "sns", label: "SNS topic", shape: "box" });
        for (const t of appTargets) edges.push({ from: t, to: "cloudwatch", label: "metrics, logs", dashed: true });
        edges.push({ from: "cloudwatch", to: "sns", label: "alarms" });
        if (slack) {
            outside.push({ id: "slack", label: "Slack", shape: "circle" });
            edges.push({ from: "sns", to: "slack" });
        }
    }
    // A private subnet with nothing drawn in it still says what it is for.
    for (const g of zoneGroups.flatMap((z) => z.groups)) {
        if (g.nodes.length === 0 && g.label.startsWith("private")) g.nodes.push({ id: `${g.id}_note`, label: rds ? "RDS subnet group<br/>no route out" : "no route out", shape: "box" });
    }
    return { root: vpcGroup, outside, edges };
}

function mermaidNode(n: Node): string {
    const open = { box: ["[\"", "\"]"], db: ["[(\"", "\")]"], circle: ["((\"", "\"))"] }[n.shape];
    return `${n.id}${open[0]}${n.label}${open[1]}`;
}

export function toMermaid(m: Model): string {
    const lines = ["flowchart LR"];
    const group = (g: Group, indent: string) => {
        lines.push(`${indent}subgraph ${g.id}["${g.label}"]`);
        for (const n of g.nodes) lines.push(`${indent}  ${mermaidNode(n)}`);
        for (const sub of g.groups) group(sub, indent + "  ");
        lines.push(`${indent}end`);
    };
    for (const n of m.outside) lines.push(`  ${mermaidNode(n)}`);
    group(m.root, "  ");
    for (const e of m.edges) {
        const arrow = e.label ? `${e.dashed ? "-." : "--"} ${e.label} ${e.dashed ? ".->" : "-->"}` : e.dashed ? "-.->" : "-->";
        lines.push(`  ${e.from} ${arrow} ${e.to}`);
    }
    return lines.join("\n") + "\n";
}

export function toDot(m: Model, title: string): string {
    const q = (s: string) => `"${s.replace(/<br\/>/g, "\\n").replace(/"/g, '\\"')}"`;
    const shape = { box: "box", db: "cylinder", circle: "ellipse" };
    const lines = [`digraph architecture {`, `  label=${q(title)}; labelloc=t; rankdir=LR; fontname="Helvetica";`, `  node [fontname="Helvetica", fontsize=10, style="rounded,filled", fillcolor="#f5f7fa"]; edge [fontname="Helvetica", fontsize=9];`];
    const group = (g: Group, indent: string) => {
        lines.push(`${indent}subgraph cluster_${g.id} {`, `${indent}  label=${q(g.label)}; style=rounded; color="#7a8ba0";`);
        for (const n of g.nodes) lines.push(`${indent}  ${n.id} [label=${q(n.label)}, shape=${shape[n.shape]}];`);
        for (const sub of g.groups) group(sub, indent + "  ");
        lines.push(`${indent}}`);
    };
    for (const n of m.outside) lines.push(`  ${n.id} [label=${q(n.label)}, shape=${shape[n.shape]}];`);
    group(m.root, "  ");
    for (const e of m.edges) lines.push(`  ${e.from} -> ${e.to}${e.label || e.dashed ? ` [${[e.label ? `label=${q(e.label)}` : "", e.dashed ? "style=dashed" : ""].filter(Boolean).join(", ")}]` : ""};`);
    lines.push("}");
    return lines.join("\n") + "\n";
}
