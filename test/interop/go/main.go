// Scenario with go-cloudstack (Debian golang-github-xanzy-go-cloudstack-dev, 2.9.0): list zones and network
// offerings, create and list an isolated network, associate a public IP, open a firewall rule and poll its job
// by hand, deploy a VM, list VMs, service offerings and IP forwarding rules. HMAC-SHA1, GET, no expires.
// Every answer is decoded into go-cloudstack's typed structs: a field of the wrong JSON type fails the decode.
// Prints one JSON line. Built offline by test/unit/interop.test.ts with a generated go.mod whose `replace`
// points at Debian's packaged source (see there).
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xanzy/go-cloudstack/v2/cloudstack"
)

type result map[string]interface{}

var steps []string

func fail(format string, args ...interface{}) {
	out, _ := json.Marshal(result{"ok": false, "error": fmt.Sprintf(format, args...), "steps": steps})
	fmt.Println(string(out))
	os.Exit(1)
}

func must(step string, err error) {
	if err != nil {
		fail("%s: %v", step, err)
	}
	steps = append(steps, step)
}

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	if fallback == "" {
		fail("missing environment: %s", name)
	}
	return fallback
}

func main() {
	endpoint := env("CLOUDSTACK_ENDPOINT", "")
	u, err := url.Parse(endpoint)
	if err != nil {
		fail("bad endpoint %q: %v", endpoint, err)
	}
	// The scenario only ever talks to a local simulator.
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fail("refusing to connect to a non-loopback endpoint: %s", endpoint)
	}
	port, err := strconv.Atoi(env("MOLD_RULE_PORT", "2222"))
	if err != nil {
		fail("MOLD_RULE_PORT: %v", err)
	}
	cidr := env("MOLD_RULE_CIDR", "0.0.0.0/0")
	offeringName := env("MOLD_NETWORK_OFFERING", "DefaultIsolatedNetworkOfferingWithSourceNatService")
	key, secret := env("CLOUDSTACK_KEY", ""), env("CLOUDSTACK_SECRET", "")

	// The async client waits for jobs itself (1 s, 2 s, 3 s … between polls); the plain one returns the job id.
	async := cloudstack.NewAsyncClient(endpoint, key, secret, false)
	async.AsyncTimeout(120)
	plain := cloudstack.NewClient(endpoint, key, secret, false)

	zones, err := async.Zone.ListZones(async.Zone.NewListZonesParams())
	must("listZones", err)
	if zones.Count == 0 {
		fail("no zone")
	}
	zone := zones.Zones[0]

	op := async.NetworkOffering.NewListNetworkOfferingsParams()
	op.SetName(offeringName)
	offerings, err := async.NetworkOffering.ListNetworkOfferings(op)
	must("listNetworkOfferings", err)
	if offerings.Count != 1 {
		fail("network offering %q: %d found", offeringName, offerings.Count)
	}
	capabilities := map[string][]string{}
	for _, s := range offerings.NetworkOfferings[0].Service {
		for _, c := range s.Capability {
			capabilities[s.Name] = append(capabilities[s.Name], c.Name+"="+c.Value)
		}
	}

	created, err := async.Network.CreateNetwork(async.Network.NewCreateNetworkParams("created by test/interop/go", "interop-go", offerings.NetworkOfferings[0].Id, zone.Id))
	must("createNetwork", err)
	lp := async.Network.NewListNetworksParams()
	lp.SetId(created.Id)
	networks, err := async.Network.ListNetworks(lp)
	must("listNetworks", err)
	if networks.Count != 1 || networks.Networks[0].Id != created.Id {
		fail("listNetworks id=%s: %d found", created.Id, networks.Count)
	}

	ap := async.Address.NewAssociateIpAddressParams()
	ap.SetNetworkid(created.Id)
	ip, err := async.Address.AssociateIpAddress(ap)
	must("associateIpAddress", err)

	// The rule through the plain client: its first answer is {id, jobid}; the job is polled here.
	fp := plain.Firewall.NewCreateFirewallRuleParams(ip.Id, "tcp")
	fp.SetStartport(port)
	fp.SetEndport(port)
	fp.SetCidrlist([]string{cidr})
	submitted, err := plain.Firewall.CreateFirewallRule(fp)
	must("createFirewallRule", err)
	if submitted.JobID == "" || submitted.Id == "" {
		fail("createFirewallRule answered no id/jobid: %+v", submitted)
	}
	var job *cloudstack.QueryAsyncJobResultResponse
	deadline := time.Now().Add(60 * time.Second)
	for polls := 0; ; polls++ {
		job, err = plain.Asyncjob.QueryAsyncJobResult(plain.Asyncjob.NewQueryAsyncJobResultParams(submitted.JobID))
		if err != nil {
			fail("queryAsyncJobResult: %v", err)
		}
		if job.Jobstatus != 0 {
			break
		}
		if time.Now().After(deadline) {
			fail("job %s still pending after 60 s (%d polls)", submitted.JobID, polls)
		}
		time.Sleep(200 * time.Millisecond)
	}
	steps = append(steps, "queryAsyncJobResult")
	var jobResult struct {
		Firewallrule cloudstack.FirewallRule `json:"firewallrule"`
	}
	if err := json.Unmarshal(job.Jobresult, &jobResult); err != nil {
		fail("decoding the job's firewallrule: %v (%s)", err, string(job.Jobresult))
	}

	rp := async.Firewall.NewListFirewallRulesParams()
	rp.SetIpaddressid(ip.Id)
	rules, err := async.Firewall.ListFirewallRules(rp)
	must("listFirewallRules", err)
	listed := 0
	for _, r := range rules.FirewallRules {
		if r.Id == submitted.Id {
			listed++
		}
	}

	sp := async.ServiceOffering.NewListServiceOfferingsParams()
	offers, err := async.ServiceOffering.ListServiceOfferings(sp)
	must("listServiceOfferings", err)
	offeringID := ""
	for _, o := range offers.ServiceOfferings {
		if !o.Iscustomized && offeringID == "" {
			offeringID = o.Id
		}
	}
	tp := async.Template.NewListTemplatesParams("executable")
	tp.SetZoneid(zone.Id)
	templates, err := async.Template.ListTemplates(tp)
	must("listTemplates", err)
	if offeringID == "" || templates.Count == 0 {
		fail("no fixed service offering (%d offerings) or no template (%d)", offers.Count, templates.Count)
	}

	dp := async.VirtualMachine.NewDeployVirtualMachineParams(offeringID, templates.Templates[0].Id, zone.Id)
	dp.SetNetworkids([]string{created.Id})
	dp.SetName("interop-go-vm")
	deployed, err := async.VirtualMachine.DeployVirtualMachine(dp)
	must("deployVirtualMachine", err)
	vp := async.VirtualMachine.NewListVirtualMachinesParams()
	vp.SetId(deployed.Id)
	vms, err := async.VirtualMachine.ListVirtualMachines(vp)
	must("listVirtualMachines", err)
	if vms.Count != 1 {
		fail("listVirtualMachines id=%s: %d found", deployed.Id, vms.Count)
	}
	vm := vms.VirtualMachines[0]

	ipf, err := async.NAT.ListIpForwardingRules(async.NAT.NewListIpForwardingRulesParams())
	must("listIpForwardingRules", err)

	out, _ := json.Marshal(result{
		"ok":           true,
		"client":       "go-cloudstack",
		"method":       "GET",
		"steps":        steps,
		"notes":        []string{},
		"zone":         result{"id": zone.Id, "name": zone.Name},
		"network":      result{"id": created.Id, "name": created.Name, "cidr": created.Cidr},
		"ip":           result{"id": ip.Id, "ipaddress": ip.Ipaddress, "issourcenat": ip.Issourcenat},
		"rule":         result{"id": submitted.Id, "protocol": jobResult.Firewallrule.Protocol, "startport": jobResult.Firewallrule.Startport, "endport": jobResult.Firewallrule.Endport, "cidrlist": jobResult.Firewallrule.Cidrlist},
		"job":          result{"jobid": job.JobID, "jobstatus": job.Jobstatus, "jobresultcode": job.Jobresultcode, "jobinstancetype": job.Jobinstancetype, "jobinstanceid": job.Jobinstanceid},
		"listedRules":  listed,
		"capabilities": capabilities,
		"vm": result{"id": vm.Id, "state": vm.State, "cpuused": vm.Cpuused, "memorykbs": vm.Memorykbs, "networkkbsread": vm.Networkkbsread,
			"nics": len(vm.Nic), "ipaddress": strings.Join(nicAddresses(vm.Nic), ",")},
		"ipForwardingRules": ipf.Count,
	})
	fmt.Println(string(out))
}

func nicAddresses(nics []cloudstack.Nic) []string {
	var out []string
	for _, n := range nics {
		out = append(out, n.Ipaddress)
	}
	return out
}
