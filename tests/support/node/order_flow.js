// The whole order flow through OVHcloud's official Node.js client (@ovhcloud/node-ovh), as a customer's program
// runs it: cart, assign, a plan and a domain name, checkout, pay, follow-up, status until delivered.
// Input from the environment (OVH_HOST, OVH_PORT, OVH_APP_KEY, OVH_APP_SECRET, OVH_CONSUMER_KEY, PLAN_FAMILY,
// PLAN_CODE, DOMAIN); prints what the server answered as one JSON object. The client always speaks HTTPS.
'use strict';

const ovh = require('@ovhcloud/node-ovh')({
  host: process.env.OVH_HOST,
  port: Number(process.env.OVH_PORT),
  appKey: process.env.OVH_APP_KEY,
  appSecret: process.env.OVH_APP_SECRET,
  consumerKey: process.env.OVH_CONSUMER_KEY,
});

const call = (method, path, params) => ovh.requestPromised(method, path, params || {});
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const family = process.env.PLAN_FAMILY;
  const planCode = process.env.PLAN_CODE;
  const domain = process.env.DOMAIN;
  const out = { time: await call('GET', '/auth/time'), me: await call('GET', '/me') };

  const cart = await call('POST', '/order/cart', { ovhSubsidiary: out.me.ovhSubsidiary, description: 'node' });
  out.cart = cart;
  out.assign = await call('POST', `/order/cart/${cart.cartId}/assign`);
  const offers = await call('GET', `/order/cart/${cart.cartId}/${family}`, { planCode });
  const renew = offers[0].prices.find((price) => price.capacities.includes('renew'));
  out.item = await call('POST', `/order/cart/${cart.cartId}/${family}`, {
    planCode, duration: renew.duration, pricingMode: renew.pricingMode, quantity: 1,
  });
  out.domainOffers = await call('GET', `/order/cart/${cart.cartId}/domain`, { domain });
  out.domainItem = await call('POST', `/order/cart/${cart.cartId}/domain`, {
    domain, offerId: out.domainOffers[0].offerId,
  });
  out.quote = await call('GET', `/order/cart/${cart.cartId}/checkout`);
  out.placed = await call('POST', `/order/cart/${cart.cartId}/checkout`, { waiveRetractationPeriod: true });
  const orderId = out.placed.orderId;

  const methods = await call('GET', '/me/payment/method', { default: true });
  out.pay = await call('POST', `/me/order/${orderId}/pay`, { paymentMethod: { id: methods[0] } });
  // As Terraform's order helper does: wait on /status while the order is checked or delivered.
  for (let tries = 0; tries < 120; tries += 1) {
    out.status = await call('GET', `/me/order/${orderId}/status`);
    if (!['notPaid', 'checking', 'delivering'].includes(out.status)) break;
    await sleep(500);
  }
  out.order = await call('GET', `/me/order/${orderId}`);
  out.followUp = await call('GET', `/me/order/${orderId}/followUp`);
  const details = await call('GET', `/me/order/${orderId}/details`);
  out.details = await Promise.all(details.map((id) => call('GET', `/me/order/${orderId}/details/${id}`)));
  out.notFound = await call('GET', '/me/order/999999999').catch((error) => error);
  return out;
}

main().then(
  (out) => console.log(JSON.stringify(out)),
  (error) => {
    console.error('order flow failed:', JSON.stringify(error));
    process.exit(1);
  },
);
