#!/usr/bin/python3
"""Interoperability probe: drives the ESC simulator with ncclient and prints JSON results.

Usage: ncclient_probe.py CONFIG_JSON

CONFIG_JSON is a JSON object with host, port, username, password, known_hosts (a file
that lists the simulator's host key), wrong_known_hosts (a file that lists a different
key, to check that verification rejects it), stop_vm, reboot_vm and unknown_vm.

Host keys are verified: ncclient reads the known_hosts file named by UserKnownHostsFile
in a temporary ssh_config file, and an unknown key raises SSHUnknownHostError.
The script prints one JSON object on stdout and exits 0 unless ncclient is missing (exit 3).
"""

import json
import os
import sys
import tempfile
import time

try:
    from ncclient import manager
    from ncclient.operations import RPCError
    from ncclient.transport import SSHUnknownHostError
    from ncclient.transport.session import NetconfBase
    from ncclient.xml_ import to_ele
except ImportError as error:
    print(json.dumps({"error": "cannot import ncclient (install python3-ncclient): %s" % error}))
    sys.exit(3)

ESC_NS = "http://www.cisco.com/esc/esc"


def write_ssh_config(known_hosts):
    handle, path = tempfile.mkstemp(prefix="ncclient-probe-", suffix=".ssh_config")
    with os.fdopen(handle, "w") as config:
        config.write("Host *\n  UserKnownHostsFile %s\n  StrictHostKeyChecking yes\n" % known_hosts)
    return path


def connect(config, known_hosts):
    ssh_config = write_ssh_config(known_hosts)
    try:
        return manager.connect(
            host=config["host"],
            port=config["port"],
            username=config["username"],
            password=config["password"],
            hostkey_verify=True,
            ssh_config=ssh_config,
            allow_agent=False,
            look_for_keys=False,
            timeout=10,
        )
    finally:
        os.unlink(ssh_config)


def rpc_error_fields(error):
    return {"tag": error.tag, "type": error.type, "severity": error.severity,
            "message": error.message, "path": error.path}


def vm_action_xml(action_type, vm_name):
    return ('<vmAction xmlns="%s"><actionType>%s</actionType><vmName>%s</vmName></vmAction>'
            % (ESC_NS, action_type, vm_name))


def collect_events(subscriber, expected_types, timeout_seconds):
    events = []
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline and not expected_types.issubset({event["type"] for event in events}):
        notification = subscriber.take_notification(block=True, timeout=0.5)
        if notification is None:
            continue
        root = to_ele(notification.notification_xml)
        escevent = root.find("{%s}escEvent" % ESC_NS)
        events.append({
            "type": escevent.findtext("{%s}event/{%s}type" % (ESC_NS, ESC_NS)),
            "status": escevent.findtext("{%s}status" % ESC_NS),
            "statusMessage": escevent.findtext("{%s}status_message" % ESC_NS),
            "vmid": (escevent.findtext("{%s}vm_source/{%s}vmid" % (ESC_NS, ESC_NS)) or "").strip(),
            "eventTime": root.findtext("{urn:ietf:params:xml:ns:netconf:notification:1.0}eventTime"),
        })
    return events


def main():
    config = json.loads(sys.argv[1])
    result = {}

    try:
        connect(config, config["wrong_known_hosts"]).close_session()
        result["wrongHostKeyRejected"] = False
    except SSHUnknownHostError as error:
        result["wrongHostKeyRejected"] = True
        result["wrongHostKeyError"] = str(error)

    subscriber = connect(config, config["known_hosts"])
    result["capabilities"] = sorted(subscriber.server_capabilities)
    result["subscriberSessionId"] = subscriber.session_id
    result["chunkedFraming"] = subscriber._session._base == NetconfBase.BASE_11
    reply = subscriber.create_subscription(stream_name="escEvent")
    result["subscribeOk"] = reply.ok

    try:
        subscriber.get()
        result["getAfterSubscribe"] = {"tag": None}
    except RPCError as error:
        result["getAfterSubscribe"] = rpc_error_fields(error)

    worker = connect(config, config["known_hosts"])
    result["workerSessionId"] = worker.session_id
    stop_config = ('<config xmlns="urn:ietf:params:xml:ns:netconf:base:1.0">%s</config>'
                   % vm_action_xml("STOP", config["stop_vm"]))
    result["stopOk"] = worker.edit_config(target="running", config=stop_config).ok
    result["rebootOk"] = worker.dispatch(to_ele(vm_action_xml("REBOOT", config["reboot_vm"]))).ok
    try:
        worker.dispatch(to_ele(vm_action_xml("STOP", config["unknown_vm"])))
        result["unknownVm"] = {"tag": None}
    except RPCError as error:
        result["unknownVm"] = rpc_error_fields(error)

    result["events"] = collect_events(subscriber, {"VM_STOPPED", "VM_REBOOTED", "VM_ALIVE"}, 10)
    worker.close_session()
    subscriber.close_session()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
