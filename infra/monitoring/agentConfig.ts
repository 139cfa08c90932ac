// The CloudWatch agent's config for the app hosts: memory and disk (root and the database volume),
// and the logs: nginx access log (JSON, with request time), the containers' logs, the release history.
// CPU and network come from EC2's own metrics at no cost.

/**
 * The file system of every watched mount: Amazon Linux 2023's root is XFS, and bootstrap-host.sh
 * formats the database volume XFS. The agent publishes disk metrics per {path, fstype} (and device,
 * which drop_device removes), so an alarm must name the fstype to find its series.
 */
export const DISK_FSTYPE = "xfs";

/**
 * The dimensions (besides InstanceId or AutoScalingGroupName) of the disk series the agent publishes
 * for `path`: per host {path, fstype}; per group the aggregate {AutoScalingGroupName, path} below.
 */
export function diskDimensions(path: string, autoScaling: boolean): Record<string, string> {
    return autoScaling ? { path } : { path, fstype: DISK_FSTYPE };
}

export interface AgentConfigArgs {
    logGroups: { nginx: string; containers: string; releases: string };
    /** Disk mounts to watch besides "/" (the on-host database's volume). */
    extraDiskPaths: string[];
    /** Auto Scaling: metrics aggregated per group, since instances come and go. */
    autoScaling: boolean;
}

export function agentConfig(a: AgentConfigArgs): object {
    const file = (path: string, group: string) => ({ file_path: path, log_group_name: group, log_stream_name: "{instance_id}", retention_in_days: -1 });
    return {
        agent: { metrics_collection_interval: 60, run_as_user: "root" },
        metrics: {
            namespace: "CWAgent",
            append_dimensions: a.autoScaling ? { AutoScalingGroupName: "${aws:AutoScalingGroupName}", InstanceId: "${aws:InstanceId}" } : { InstanceId: "${aws:InstanceId}" },
            ...(a.autoScaling ? { aggregation_dimensions: [["AutoScalingGroupName"], ["AutoScalingGroupName", "path"]] } : {}),
            metrics_collected: {
                mem: { measurement: ["mem_used_percent"] },
                disk: { measurement: ["used_percent"], resources: ["/", ...a.extraDiskPaths], drop_device: true },
            },
        },
        logs: {
            logs_collected: {
                files: {
                    collect_list: [
                        file("/var/log/nginx/webapp-access.log", a.logGroups.nginx),
                        file("/var/lib/docker/containers/*/*-json.log", a.logGroups.containers),
                        file("/var/lib/webapp/releases.tsv", a.logGroups.releases),
                    ],
                },
            },
        },
    };
}
