//! What a person should do that the responder cannot: it has no Kubernetes credentials and
//! no shell on a container's host. The commands are filled in from the finding (AWS's EKS
//! remediation guidance and the EKS best-practices incident-response steps), each value
//! quoted for the shell.

use vigil::events::guardduty::Finding;

use super::Family;

/// A value quoted for a POSIX shell.
fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The commands for the finding's family; empty when the responder's own actions suffice.
pub(super) fn for_finding(finding: &Finding, family: Family) -> Vec<String> {
    match family {
        Family::EksCluster => kubernetes(finding),
        Family::AttackSequence => {
            let eks = finding.sequence().is_some_and(|s| {
                s.resources.iter().any(|r| {
                    matches!(
                        r.resource_type.as_deref(),
                        Some("EKS_CLUSTER" | "KUBERNETES_WORKLOAD" | "CONTAINER")
                    )
                })
            });
            if eks { kubernetes(finding) } else { Vec::new() }
        }
        Family::Container => {
            let id = finding
                .resource
                .container_details
                .as_ref()
                .and_then(|c| c.id.clone().or_else(|| c.name.clone()));
            match id {
                Some(id) => vec![
                    format!(
                        "on the container's host: docker pause {}  (or: docker stop {} if it will not pause)",
                        quote(&id),
                        quote(&id)
                    ),
                    "then check whether the image itself holds the malware before running it again"
                        .into(),
                ],
                None => vec![
                    "on the container's host: pause the container (docker pause), or stop it"
                        .into(),
                ],
            }
        }
        _ => Vec::new(),
    }
}

fn kubernetes(finding: &Finding) -> Vec<String> {
    let r = &finding.resource;
    let cluster = r
        .eks_cluster_details
        .as_ref()
        .and_then(|c| c.name.clone())
        .unwrap_or_else(|| "<cluster>".into());
    let region = finding.region.clone().unwrap_or_else(|| "<region>".into());
    let label = format!("vigil/quarantine={}", finding.id);
    let mut out = vec![format!(
        "aws eks update-kubeconfig --name {} --region {}",
        quote(&cluster),
        quote(&region)
    )];
    let k8s = r.kubernetes_details.as_ref();
    if let Some(w) = k8s.and_then(|k| k.kubernetes_workload_details.as_ref())
        && let (Some(name), Some(ns)) = (w.name.as_deref(), w.namespace.as_deref())
    {
        let (name, ns) = (quote(name), quote(ns));
        let kind = w.kind.as_deref().unwrap_or("pods").to_ascii_lowercase();
        if kind == "pods" || kind == "pod" {
            out.push(format!(
                "kubectl label pod {name} -n {ns} {label} --overwrite"
            ));
            out.push(format!("kubectl get pod {name} -n {ns} -o jsonpath='{{.spec.nodeName}}'   # the node it runs on"));
        } else {
            out.push(format!(
                "kubectl label pods -n {ns} --overwrite {label} --selector=\"$(kubectl get {kind} {name} -n {ns} -o json | jq -r '.spec.selector.matchLabels | to_entries | map(\"\\(.key)=\\(.value)\") | join(\",\")')\""
            ));
        }
        out.push(format!(
            "kubectl apply -n {ns} -f - <<< '{{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{{\"name\":\"vigil-quarantine\"}},\"spec\":{{\"podSelector\":{{\"matchLabels\":{{\"vigil/quarantine\":\"{}\"}}}},\"policyTypes\":[\"Ingress\",\"Egress\"]}}}}'   # deny all traffic to and from the labelled pods",
            finding.id
        ));
        if let Some(sa) = w.service_account_name.as_deref() {
            out.push(format!(
                "rotate the credentials of service account {} in {ns}, and review the IAM role it maps to",
                quote(sa)
            ));
        }
        for image in w.containers.iter().filter_map(|c| c.image.as_deref()) {
            out.push(format!(
                "kubectl get pods -A -o json | jq -r --arg image {} '.items[] | select(.spec.containers[].image == $image) | \"\\(.metadata.namespace)/\\(.metadata.name) \\(.spec.nodeName)\"'   # every pod running the image",
                quote(image)
            ));
        }
    }
    if let Some(user) = k8s
        .and_then(|k| k.kubernetes_user_details.as_ref())
        .and_then(|u| u.username.as_deref())
    {
        if let Some(node) = user.strip_prefix("system:node:") {
            out.push(format!("kubectl cordon {}", quote(node)));
            out.push(format!(
                "kubectl label node {} {label} --overwrite",
                quote(node)
            ));
        } else {
            out.push(format!(
                "kubectl get rolebindings,clusterrolebindings -A -o json | jq -r --arg user {} '.items[] | select(.subjects[]?.name == $user) | \"\\(.kind) \\(.metadata.namespace // \"-\") \\(.metadata.name)\"'   # what the user is bound to: remove what it should not have",
                quote(user)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_for_the_shell() {
        assert_eq!(quote("web"), "'web'");
        assert_eq!(quote("a'b; rm -rf /"), r"'a'\''b; rm -rf /'");
    }
}
