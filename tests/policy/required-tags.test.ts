import { table } from "./harness";

const TAGS = `{ Project: "wiki", Environment: "dev", Stage: "alb" }`;

describe("policy required-tags", () => {
    table("required-tags", [
        { what: "a tagged VPC and Auto Scaling group (list-style tags)", program: `new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16", tags: ${TAGS} });\nnew aws.autoscaling.Group("asg", { maxSize: 1, minSize: 1, tags: Object.entries(${TAGS}).map(([key, value]) => ({ key, value, propagateAtLaunch: true })) });`, expect: [] },
        { what: "types that take no tags (route table association, role policy attachment)", program: `new aws.ec2.RouteTableAssociation("rta", { subnetId: "subnet-1", routeTableId: "rtb-1" });\nnew aws.iam.RolePolicyAttachment("att", { role: "r", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" });`, expect: [] },
        { what: "an untagged VPC", program: `new aws.ec2.Vpc("vpc", { cidrBlock: "10.0.0.0/16" });`, expect: ["vpc lacks the tags Project, Environment, Stage."] },
        { what: "a bucket missing its stage", program: `new aws.s3.Bucket("b", { tags: { Project: "wiki", Environment: "dev" } });`, expect: ["b lacks the tag Stage."] },
        { what: "an empty tag value", program: `new aws.s3.Bucket("b", { tags: { Project: "wiki", Environment: "", Stage: "alb" } });`, expect: ["b lacks the tag Environment."] },
        { what: "an Auto Scaling group without its tags", program: `new aws.autoscaling.Group("asg", { maxSize: 1, minSize: 1, tags: [{ key: "Project", value: "wiki", propagateAtLaunch: true }] });`, expect: ["asg lacks the tags Environment, Stage."] },
        { what: "a tag required by the config", program: `new aws.s3.Bucket("b", { tags: ${TAGS} });`, config: { "required-tags": { tags: ["Project", "Owner"] } }, expect: ["b lacks the tag Owner."] },
    ]);
});
