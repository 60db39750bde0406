// Static NAT to a VM's secondary address in the simulator, through the client: addIpToNic gives the NIC another
// guest address, enableStaticNat maps an IP to it with vmguestip, and the address cannot be removed while mapped.
import test from "ava";
import { addIpToNic, disableStaticNat, enableStaticNat, getPublicIpAddress, getVirtualMachine, removeIpFromNic } from "../../provider/client";
import { apiError, inWorld } from "../helpers/network-world";

test(
    "a secondary address: added to the NIC, mapped with vmguestip, kept while static NAT uses it",
    inWorld(async (t, w) => {
        const net = await w.newNetwork();
        const vm = await w.deployVm(net.id);
        const ip = await w.newIp(net.id);
        t.false(ip.issourcenat, "the first VM gave the network its source NAT");
        const nic = vm.nic[0];
        const secondary = await addIpToNic(w.client, nic.id);
        t.not(secondary.ipaddress, nic.ipaddress);
        t.is(secondary.nicid, nic.id);
        const shown = (await getVirtualMachine(w.client, vm.id))!;
        t.deepEqual(
            (shown.nic as any[])[0].secondaryip.map((s: any) => s.ipaddress),
            [secondary.ipaddress],
        );
        await apiError(t, addIpToNic(w.client, nic.id, secondary.ipaddress), 431, 4350, `Ip address ${secondary.ipaddress} is already in use`);
        await apiError(
            t,
            enableStaticNat(w.client, { ipaddressid: ip.id, virtualmachineid: vm.id, vmguestip: "10.9.9.9" }),
            431,
            4350,
            "VM ip 10.9.9.9 address not belongs to the vm",
        );
        await enableStaticNat(w.client, { ipaddressid: ip.id, virtualmachineid: vm.id, vmguestip: secondary.ipaddress });
        t.is((await getPublicIpAddress(w.client, ip.id))!.vmipaddress, secondary.ipaddress);
        await apiError(
            t,
            removeIpFromNic(w.client, secondary.id),
            431,
            4350,
            `Can't remove the secondary ip ${secondary.ipaddress}: static nat maps public ip ${ip.ipaddress} to it`,
        );
        await disableStaticNat(w.client, ip.id);
        await removeIpFromNic(w.client, secondary.id);
        t.deepEqual((((await getVirtualMachine(w.client, vm.id))!.nic as any[])[0].secondaryip as unknown[]).length, 0);
    }),
);
