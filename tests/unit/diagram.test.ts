import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { architecture, toMermaid } from "../../plan/diagram";
import { drawing } from "../../plan/drawing";
import { STAGES } from "../../stacks/stages";
import { planStack } from "../helpers/plan";

const ROOT = path.resolve(__dirname, "../..");

describe("the architecture picture", () => {
    it("single-host: users reach the host through its Elastic IP; backups and metrics leave the VPC", async () => {
        const m = toMermaid(architecture(await planStack()));
        assert.match(m, /^flowchart LR\n/);
        assert.match(m, /subgraph vpc\["VPC 10\.0\.0\.0\/16"\]\n {4}subgraph az1\["ap-northeast-2a"\]\n {6}subgraph webapp_dev_net_public_1\["public 10\.0\.0\.0\/20"\]\n {8}host1\["EC2 t3\.micro<br\/>nginx \+ app containers<br\/>PostgreSQL container, data on EBS 10 GiB"\]/);
        for (const edge of ["users -- HTTP --> eip", "eip --> host1", "host1 -. backups .-> backups", "host1 -. metrics, logs .-> cloudwatch", "cloudwatch -- alarms --> sns"]) assert.ok(m.includes(edge), edge);
        assert.ok(!m.includes("db[("), "no RDS at stage 1");
    });

    it("alb and autoscaling: the load balancer in front, the database in a private subnet", async () => {
        const alb = toMermaid(architecture(await planStack({ stage: "alb" })));
        for (const edge of ["users -- HTTP(S) --> alb", "alb -- path rules --> host1", "alb -- path rules --> host2", "host1 -- 5432 --> db", "host2 -- 5432 --> db"]) assert.ok(alb.includes(edge), edge);
        assert.match(alb, /subgraph webapp_dev_net_private_1\["private 10\.0\.128\.0\/20"\]\n\s+db\[\("RDS PostgreSQL 16/);
        const asg = toMermaid(architecture(await planStack({ stage: "autoscaling" }, "dev", { slackWebhookUrl: "https://hooks.slack.com/services/T1/B1/x" })));
        assert.match(asg, /asg\["Auto Scaling group<br\/>2-4 x EC2 t3\.micro<br\/>across 2 AZs"\]/);
        assert.ok(asg.includes("sns --> slack"));
    });

    it("renders an SVG with Graphviz", async () => {
        const svg = drawing(await planStack({ stage: "private-db" }), "svg");
        assert.match(svg, /<svg[\s\S]*<\/svg>\s*$/);
        assert.ok(svg.includes("RDS PostgreSQL 16"));
    });

    it("the README's pictures are what the plan draws today", async () => {
        const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
        for (const stage of STAGES) {
            const m = toMermaid(architecture(await planStack({ stage })));
            assert.ok(readme.includes("```mermaid\n" + m + "```"), `README picture of ${stage} is stale: npm run --silent plan -- --config stage=${stage} --diagram mermaid`);
            assert.equal(fs.readFileSync(path.join(ROOT, `docs/stages/${stage}.mmd`), "utf8"), m);
        }
    });
});
