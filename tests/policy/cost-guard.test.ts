import { table } from "./harness";

describe("policy cost-guard", () => {
    table("cost-guard", [
        { what: "small instance and database classes", program: `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro" });\nnew aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20 });`, expect: [] },
        { what: "a large instance", program: `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "m5.24xlarge" });`, expect: ["host uses instanceType m5.24xlarge, which is not allowed here; allowed: t3.micro, t3.small, t3.medium, t4g.micro, t4g.small, t4g.medium."] },
        { what: "a large launch template", program: `new aws.ec2.LaunchTemplate("lt", { instanceType: "c7i.8xlarge" });`, expect: ["lt uses instanceType c7i.8xlarge, which is not allowed here; allowed: t3.micro, t3.small, t3.medium, t4g.micro, t4g.small, t4g.medium."] },
        { what: "a large database class", program: `new aws.rds.Instance("db", { engine: "postgres", instanceClass: "db.r6g.2xlarge", allocatedStorage: 20 });`, expect: ["db uses instanceClass db.r6g.2xlarge, which is not allowed here; allowed: db.t4g.micro, db.t4g.small, db.t4g.medium, db.t3.micro, db.t3.small."] },
        { what: "a stack over its monthly budget", program: `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.small" });`, config: { "cost-guard": { monthlyBudgetUsd: 10 } }, expect: ["The stack's estimated cost is $15.82 a month (list prices in us-east-1), over the budget of $10.00. Choose a smaller stage or smaller types, or raise monthlyBudgetUsd."] },
        { what: "a stack with a type the price table lacks: no total, so the budget check fails", program: `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "m5.24xlarge" });`, config: { "cost-guard": { monthlyBudgetUsd: 150, instanceTypes: ["m5.24xlarge"] } }, expect: ["The stack's cost cannot be checked against the budget of $150.00: no list price for EC2 m5.24xlarge in us-east-1 (lib/prices.json). Choose a priced type, or add its price to the table with its source and date."] },
        { what: "a stack within its budget", program: `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.micro" });`, config: { "cost-guard": { monthlyBudgetUsd: 10 } }, expect: [] },
        { what: "a type the environment's config leaves out", program: `new aws.ec2.Instance("host", { ami: "ami-1", instanceType: "t3.medium" });`, config: { "cost-guard": { instanceTypes: ["t3.micro"] } }, expect: ["host uses instanceType t3.medium, which is not allowed here; allowed: t3.micro."] },
    ]);
});
