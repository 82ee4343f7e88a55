#!/bin/sh
set -e
echo provisioned > /etc/provisioned
