"""Adapters: the only modules that import boto3. Each turns botocore errors into Inlet's own."""
