// Names AWS limits to 32 characters: the load balancer's and its target groups'. Pulumi auto-names
// them from the logical name plus "-" and 7 random characters, and refuses a name that would not fit
// (pulumi-aws provider/resources.go: aws_lb and aws_lb_target_group use tfbridge.AutoNameOptions
// {Separator: "-", Maxlen: 32, Randlen: 7}; AWS: CreateLoadBalancer and CreateTargetGroup take names
// of at most 32 characters). The config checks these names before any resource exists.

export const ELB_NAME_MAX = 32;
/** "-" and 7 random characters. */
export const AUTONAME_SUFFIX = 8;

/** The LoadBalancer component; its children are named after it. */
export const loadBalancerName = (prefix: string) => `${prefix}-lb`;
export const albName = (prefix: string) => `${loadBalancerName(prefix)}-alb`;
/** Short on purpose ("<prefix>-<service>"): "webapp-staging-frontend" must fit. */
export const targetGroupName = (prefix: string, service: string) => `${prefix}-${service}`;

/** How many characters a logical name may have so that its auto-name fits ELB_NAME_MAX. */
export const ELB_LOGICAL_MAX = ELB_NAME_MAX - AUTONAME_SUFFIX;
