// A stage is only a preset of switches over the same components (GUIDE.md's table).
// Every switch can still be set on its own in the stack config; the preset fills what is not set.

export const STAGES = ["single-host", "private-db", "alb", "autoscaling"] as const;
export type Stage = (typeof STAGES)[number];

export type DatabaseMode = "host" | "rds" | "none";

export interface StageSwitches {
    /** Availability zones used for public subnets (and app hosts). */
    azCount: number;
    /** Private subnets (two AZs, as RDS requires) with no route to the internet. */
    privateSubnets: boolean;
    /** Where PostgreSQL runs: a container on the host (data on its own EBS volume), RDS, or nowhere. */
    database: DatabaseMode;
    /** An Application Load Balancer in front of the hosts. */
    loadBalancer: boolean;
    /** A launch template and an Auto Scaling group instead of fixed hosts. */
    autoScaling: boolean;
    /** Fixed EC2 hosts (when not auto scaling). */
    hostCount: number;
}

export const STAGE_PRESETS: Readonly<Record<Stage, Readonly<StageSwitches>>> = {
    "single-host": { azCount: 1, privateSubnets: false, database: "host", loadBalancer: false, autoScaling: false, hostCount: 1 },
    "private-db": { azCount: 1, privateSubnets: true, database: "rds", loadBalancer: false, autoScaling: false, hostCount: 1 },
    alb: { azCount: 2, privateSubnets: true, database: "rds", loadBalancer: true, autoScaling: false, hostCount: 2 },
    autoscaling: { azCount: 2, privateSubnets: true, database: "rds", loadBalancer: true, autoScaling: true, hostCount: 0 },
};

export function isStage(value: string): value is Stage {
    return (STAGES as readonly string[]).includes(value);
}
