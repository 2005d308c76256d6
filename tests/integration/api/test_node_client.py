"""THE SECOND PROOF: OVHcloud's official Node.js client (@ovhcloud/node-ovh, installed by bin/install from
tests/support/node's lockfile) runs the whole order flow against gunicorn over HTTPS, with a certificate made
here; the client always speaks HTTPS and signs `https://host/…` without the port."""

import json
import os
import shutil
import subprocess

import pytest

from catalog.models import Family
from orders.models import Order, OrderStatus, Service
from tests.support import ROOT
from tests.support.api import token_for
from tests.support.factories import PaymentMethodFactory, PlanFactory, PricingFactory
from tests.support.orders import trusted_account
from tests.support.processes import free_port, gunicorn, self_signed_certificate

NODE_DIR = ROOT / "tests" / "support" / "node"


@pytest.mark.django_db(transaction=True, databases=["default", "sandbox"])
def test_the_nodejs_client_runs_the_whole_order_flow_over_https(celery_worker_process, tmp_path):
    assert shutil.which("node") and (NODE_DIR / "node_modules" / "@ovhcloud" / "node-ovh").is_dir(), "run bin/install"
    account = trusted_account()  # no risk rule fires: the order goes straight to delivery
    PaymentMethodFactory(account=account)
    PricingFactory(plan__plan_code="perso-node", subsidiary=account.subsidiary, price="4.99")
    domain_plan = PlanFactory(plan_code="com", family=Family.DOMAIN, excludable=True)
    PricingFactory(plan=domain_plan, subsidiary=account.subsidiary, duration="P12M", months=12, price="10.99")
    token = token_for(account)

    certificate, key = self_signed_certificate(tmp_path)
    port = free_port()
    env = {
        **celery_worker_process.env,
        "PUBLIC_BASE_URL": f"https://127.0.0.1:{port}",
        "SANDBOX_DELIVERY_SECONDS": "0",
    }
    log = tmp_path / "gunicorn.log"
    with gunicorn(port=port, env=env, log=log, tls=(certificate, key)):
        flow = subprocess.run(
            ["node", str(NODE_DIR / "order_flow.js")],
            cwd=NODE_DIR,
            env={
                "PATH": os.environ["PATH"],
                "NODE_EXTRA_CA_CERTS": str(certificate),  # the test's certificate, trusted: no verification turned off
                "OVH_HOST": "127.0.0.1",
                "OVH_PORT": str(port),
                "OVH_APP_KEY": token["application_key"],
                "OVH_APP_SECRET": token["application_secret"],
                "OVH_CONSUMER_KEY": token["consumer_key"],
                "PLAN_FAMILY": "webHosting",
                "PLAN_CODE": "perso-node",
                "DOMAIN": "node-shop.com",
            },
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert flow.returncode == 0, flow.stderr + log.read_text(errors="replace")[-3000:]
    out = json.loads(flow.stdout)

    assert out["me"]["nichandle"] == account.handle
    assert out["assign"] is None and out["cart"]["readOnly"] is False
    assert out["item"]["settings"] == {"planCode": "perso-node", "pricingMode": "default", "quantity": 1}
    assert out["domainOffers"][0]["orderable"] is True
    assert out["domainItem"]["settings"]["domain"] == "node-shop.com"
    assert out["quote"]["orderId"] is None and out["quote"]["contracts"]
    order = Order.objects.get(pk=out["placed"]["orderId"], account=account)
    assert out["pay"] is None
    assert out["status"] == OrderStatus.DELIVERED == Order.objects.get(pk=order.pk).status
    assert out["order"]["orderId"] == order.pk and out["order"]["priceWithTax"]["currencyCode"] == "EUR"
    assert [step["step"] for step in out["followUp"]] == ["VALIDATING", "VALIDATED", "DELIVERING", "AVAILABLE"]
    assert all(step["status"] == "DONE" for step in out["followUp"])
    names = set(Service.objects.filter(origin_line__order=order).values_list("name", flat=True))
    assert "node-shop.com" in names and {detail["domain"] for detail in out["details"]} == names
    assert out["notFound"]["error"] == 404 and out["notFound"]["message"]
