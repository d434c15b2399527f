"""EC2 security groups of network interfaces as AWS keeps them.

moto: an attached network interface reports its own groups *plus* the instance's launch groups,
so after ModifyNetworkInterfaceAttribute it lists the old group next to the new one; and the
instance's SecurityGroups never change when its interfaces' groups do. AWS: an interface has
exactly the groups last set on it, and the instance's SecurityGroups are those of its
interfaces (primary first). ModifyInstanceAttribute with groups sets the primary interface's
groups, as AWS does for an instance with one interface.
"""

from moto.ec2.models import elastic_network_interfaces as eni_models
from moto.ec2.models import instances as instance_models


def _own_groups(self):
    return self._group_set


def _sync_instance_groups(instance):
    groups = []
    for index in sorted(instance.nics):
        for group in instance.nics[index]._group_set:
            if group not in groups:
                groups.append(group)
    if groups:
        instance.security_groups = groups


_original_modify_eni = eni_models.NetworkInterfaceBackend.modify_network_interface_attribute


def modify_network_interface_attribute(self, eni_id, group_ids, *args, **kwargs):
    _original_modify_eni(self, eni_id, group_ids, *args, **kwargs)
    eni = self.get_network_interface(eni_id)
    if eni.instance is not None:
        _sync_instance_groups(eni.instance)


_original_modify_instance_groups = instance_models.InstanceBackend.modify_instance_security_groups


def modify_instance_security_groups(self, instance_id, new_group_id_list):
    instance = _original_modify_instance_groups(self, instance_id, new_group_id_list)
    primary = instance.nics.get(0)
    if primary is not None:
        primary._group_set = list(instance.security_groups)
    return instance


eni_models.NetworkInterface.group_set = property(_own_groups)
eni_models.NetworkInterfaceBackend.modify_network_interface_attribute = (
    modify_network_interface_attribute
)
instance_models.InstanceBackend.modify_instance_security_groups = (
    modify_instance_security_groups
)
